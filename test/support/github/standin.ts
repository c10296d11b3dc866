/**
 * A GitHub stand-in: an HTTP server implementing exactly the REST endpoints Ferry's
 * promotion uses, backed by a real bare git repository (so a pull request's diff is real
 * git), with rate-limit headers, ETags and 304s, and a one-shot rate-limit response.
 *
 * Every request it receives and every response it sends is checked against GitHub's
 * official OpenAPI description; problems are collected in `violations`, which a test
 * asserts is empty. Response bodies start from the description's own examples, with the
 * fields Ferry reads filled in from the git repository and the stand-in's state.
 *
 * Not modelled: reviews, mergeability computed by GitHub, check suites created by apps,
 * pagination beyond one page, permissions beyond a single token.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GitHubOpenApi } from './openapi.js';

const run = promisify(execFile);
const ZERO = '0000000000000000000000000000000000000000';

export interface StandInPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  mergedSha?: string;
  headSha: string;
}

export interface Exchange {
  method: string;
  path: string;
  operationId: string;
  status: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The string field `key` of a request body, or `fallback`. */
function field(body: Record<string, unknown> | undefined, key: string, fallback = ''): string {
  const value = body?.[key];
  return typeof value === 'string' ? value : fallback;
}

/** Fields of a full pull request that its listed ("simple") form does not have. */
const FULL_PULL_ONLY = new Set([
  'merged',
  'mergeable',
  'rebaseable',
  'mergeable_state',
  'merged_by',
  'comments',
  'review_comments',
  'maintainer_can_modify',
  'commits',
  'additions',
  'deletions',
  'changed_files',
]);

let sharedSpec: GitHubOpenApi | undefined;
function spec(): GitHubOpenApi {
  sharedSpec ??= new GitHubOpenApi();
  return sharedSpec;
}

export class GitHubStandIn {
  readonly violations: string[] = [];
  readonly exchanges: Exchange[] = [];
  readonly pulls: StandInPull[] = [];
  readonly statuses = new Map<string, { state: string; context: string; description: string }[]>();
  /** Status contexts branch protection requires on the base branch; none: unprotected. */
  requiredChecks: string[] | undefined;
  private rateRemaining = 5000;
  private injected: 'primary' | 'secondary' | undefined;
  private readonly server: Server;
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly gitDir: string,
    readonly owner: string,
    readonly repo: string,
    private readonly token: string,
  ) {
    this.server = createServer((request, response) => {
      // One request at a time, as git refs are updated: the order GitHub would serialise.
      this.queue = this.queue.then(() => this.handle(request, response));
    });
  }

  /** Starts a stand-in serving `owner/repo` from a new bare repository. */
  static async start(options: {
    owner: string;
    repo: string;
    token: string;
  }): Promise<GitHubStandIn> {
    const gitDir = await mkdtemp(join(tmpdir(), 'github-standin-'));
    await run('git', ['init', '-q', '--bare', '-b', 'main', gitDir]);
    const standIn = new GitHubStandIn(gitDir, options.owner, options.repo, options.token);
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    await rm(this.gitDir, { recursive: true, force: true });
  }

  /** The next request is answered with a rate-limit response, once. */
  rateLimitOnce(kind: 'primary' | 'secondary'): void {
    this.injected = kind;
  }

  async git(args: string[], env: Record<string, string> = {}, input?: string): Promise<string> {
    const child = run('git', ['--git-dir', this.gitDir, ...args], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'GitHub',
        GIT_AUTHOR_EMAIL: 'noreply@github.com',
        GIT_COMMITTER_NAME: 'GitHub',
        GIT_COMMITTER_EMAIL: 'noreply@github.com',
        ...env,
      },
    });
    if (input !== undefined) child.child.stdin?.end(input);
    return (await child).stdout;
  }

  /** The commit a branch points at, or undefined. */
  async branchHead(branch: string): Promise<string | undefined> {
    try {
      return (
        await this.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`])
      ).trim();
    } catch {
      return undefined;
    }
  }

  private rateHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(this.rateRemaining),
      'x-ratelimit-used': String(5000 - this.rateRemaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
    };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const method = request.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const operation = spec().operation(method, url.pathname);
    let reply: Reply;
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      this.violations.push(`${method} ${url.pathname}: the body is not JSON`);
    }
    if (operation === undefined) {
      this.violations.push(`${method} ${url.pathname}: not an operation of GitHub's REST API`);
      reply = {
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
      };
    } else {
      for (const problem of spec().checkRequest(operation, body))
        this.violations.push(`${operation.operationId} request: ${problem}`);
      const rateLimited = this.injected !== undefined;
      reply = await this.reply(request, operation.operationId, operation.params, url, body).catch(
        (error: unknown) => {
          this.violations.push(`${operation.operationId}: the stand-in failed: ${String(error)}`);
          return { status: 500, body: { message: String(error) } };
        },
      );
      // Rate-limit answers are not documented per operation; they are GitHub's basic error.
      const problems = rateLimited
        ? spec().checkSchema('basic-error', reply.body)
        : reply.status !== 304 && reply.status < 500
          ? spec().checkResponse(operation, reply.status, reply.body)
          : [];
      for (const problem of problems)
        this.violations.push(`${operation.operationId} ${reply.status} response: ${problem}`);
      this.exchanges.push({
        method,
        path: url.pathname,
        operationId: operation.operationId,
        status: reply.status,
      });
    }
    response.writeHead(reply.status, {
      ...this.rateHeaders(),
      ...(reply.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      ...reply.headers,
    });
    response.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  private async reply(
    request: IncomingMessage,
    operationId: string,
    params: Record<string, string>,
    url: URL,
    body: unknown,
  ): Promise<Reply> {
    const authorization = request.headers.authorization ?? '';
    if (authorization !== `token ${this.token}` && authorization !== `bearer ${this.token}`)
      return {
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      };
    if (params['owner'] !== this.owner || params['repo'] !== this.repo)
      return {
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
      };
    if (this.injected !== undefined) {
      const kind = this.injected;
      this.injected = undefined;
      return kind === 'primary'
        ? {
            status: 403,
            body: {
              message: 'API rate limit exceeded for installation.',
              documentation_url:
                'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
            },
            headers: {
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)),
            },
          }
        : {
            status: 429,
            body: {
              message:
                'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
              documentation_url:
                'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
            },
            headers: { 'retry-after': '1' },
          };
    }
    const reply = await this.route(operationId, params, url, body as Record<string, unknown>);
    const etag =
      reply.status === 200 && request.method === 'GET'
        ? `"${createHash('sha1').update(JSON.stringify(reply.body)).digest('hex')}"`
        : undefined;
    if (etag !== undefined && request.headers['if-none-match'] === etag)
      return { status: 304, headers: { etag } };
    this.rateRemaining -= 1;
    return etag === undefined ? reply : { ...reply, headers: { ...reply.headers, etag } };
  }

  private api(path: string): string {
    return `${this.url}/repos/${this.owner}/${this.repo}${path}`;
  }

  private async commitObject(sha: string): Promise<Record<string, unknown>> {
    const raw = await this.git(['cat-file', 'commit', sha]);
    const [headerText = '', ...messageParts] = raw.split('\n\n');
    const headers = headerText.split('\n');
    const tree = headers.find((line) => line.startsWith('tree '))?.slice(5) ?? '';
    const parents = headers
      .filter((line) => line.startsWith('parent '))
      .map((line) => line.slice(7));
    const person = (prefix: string): Record<string, string> => {
      const line = headers.find((entry) => entry.startsWith(`${prefix} `)) ?? '';
      const match = /^\S+ (.*) <(.*)> (\d+) /.exec(line);
      return {
        name: match?.[1] ?? '',
        email: match?.[2] ?? '',
        date: new Date(Number(match?.[3] ?? 0) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      };
    };
    return {
      sha,
      node_id: `C_${sha.slice(0, 12)}`,
      url: this.api(`/git/commits/${sha}`),
      html_url: `https://github.com/${this.owner}/${this.repo}/commit/${sha}`,
      author: person('author'),
      committer: person('committer'),
      message: messageParts.join('\n\n').replace(/\n$/, ''),
      tree: { sha: tree, url: this.api(`/git/trees/${tree}`) },
      parents: parents.map((parent) => ({
        sha: parent,
        url: this.api(`/git/commits/${parent}`),
        html_url: `https://github.com/${this.owner}/${this.repo}/commit/${parent}`,
      })),
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    };
  }

  private async treeObject(sha: string, recursive: boolean): Promise<Record<string, unknown>> {
    const listing = await this.git([
      'ls-tree',
      '-z',
      '-l',
      ...(recursive ? ['-r', '-t'] : []),
      sha,
    ]);
    const tree = listing
      .split('\0')
      .filter((entry) => entry !== '')
      .map((entry) => {
        const [meta = '', path = ''] = entry.split('\t');
        const [mode = '', type = '', objectSha = '', size = '-'] = meta.split(/\s+/);
        return {
          path,
          mode,
          type,
          sha: objectSha,
          ...(type === 'blob'
            ? { size: Number(size), url: this.api(`/git/blobs/${objectSha}`) }
            : { url: this.api(`/git/trees/${objectSha}`) }),
        };
      });
    return { sha, url: this.api(`/git/trees/${sha}`), tree, truncated: false };
  }

  private pullObject(pull: StandInPull, example: unknown): Record<string, unknown> {
    const template = example as Record<string, unknown> & {
      head: Record<string, unknown>;
      base: Record<string, unknown>;
    };
    const merged = pull.mergedSha !== undefined;
    return {
      ...template,
      url: this.api(`/pulls/${pull.number}`),
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${pull.number}`,
      id: pull.number,
      number: pull.number,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      merged,
      merged_at: merged ? '2026-11-22T10:00:00Z' : null,
      closed_at: pull.state === 'closed' ? '2026-11-22T10:00:00Z' : null,
      merge_commit_sha: pull.mergedSha ?? null,
      requested_teams: [],
      head: {
        ...template.head,
        ref: pull.head,
        sha: pull.headSha,
        label: `${this.owner}:${pull.head}`,
      },
      base: { ...template.base, ref: pull.base, label: `${this.owner}:${pull.base}` },
    };
  }

  /** Merges `pull` into its base with a real merge commit; returns the commit. */
  async mergePull(pull: StandInPull): Promise<string> {
    const base = (await this.branchHead(pull.base)) ?? ZERO;
    const tree =
      (await this.git(['merge-tree', '--write-tree', base, pull.headSha])).trim().split('\n')[0] ??
      '';
    const commit = (
      await this.git([
        'commit-tree',
        tree,
        '-p',
        base,
        '-p',
        pull.headSha,
        '-m',
        `Merge pull request #${pull.number} from ${this.owner}/${pull.head}`,
      ])
    ).trim();
    await this.git(['update-ref', `refs/heads/${pull.base}`, commit, base]);
    pull.mergedSha = commit;
    pull.state = 'closed';
    return commit;
  }

  private async route(
    operationId: string,
    params: Record<string, string>,
    url: URL,
    body: Record<string, unknown> | undefined,
  ): Promise<Reply> {
    const notFound: Reply = {
      status: 404,
      body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
    };
    const resolve = async (ref: string): Promise<string | undefined> => {
      try {
        return (await this.git(['rev-parse', '--verify', '--quiet', ref])).trim();
      } catch {
        return undefined;
      }
    };
    switch (operationId) {
      case 'git/get-ref': {
        const sha = await resolve(`refs/${params['ref'] ?? ''}`);
        if (sha === undefined) return notFound;
        return {
          status: 200,
          body: {
            ref: `refs/${params['ref'] ?? ''}`,
            node_id: 'REF_1',
            url: this.api(`/git/refs/${params['ref'] ?? ''}`),
            object: { sha, type: 'commit', url: this.api(`/git/commits/${sha}`) },
          },
        };
      }
      case 'git/get-commit': {
        const sha = params['commit_sha'] ?? '';
        if ((await resolve(`${sha}^{commit}`)) === undefined) return notFound;
        return { status: 200, body: await this.commitObject(sha) };
      }
      case 'git/get-tree': {
        const sha = params['tree_sha'] ?? '';
        if ((await resolve(`${sha}^{tree}`)) === undefined) return notFound;
        return { status: 200, body: await this.treeObject(sha, url.searchParams.has('recursive')) };
      }
      case 'git/get-blob': {
        const sha = params['file_sha'] ?? '';
        const content = await this.git(['cat-file', 'blob', sha]).catch(() => undefined);
        if (content === undefined) return notFound;
        return {
          status: 200,
          body: {
            sha,
            node_id: `B_${sha.slice(0, 12)}`,
            url: this.api(`/git/blobs/${sha}`),
            size: Buffer.byteLength(content),
            content: Buffer.from(content).toString('base64'),
            encoding: 'base64',
          },
        };
      }
      case 'git/create-blob': {
        const content = Buffer.from(
          field(body, 'content'),
          body?.['encoding'] === 'base64' ? 'base64' : 'utf8',
        );
        const sha = (
          await this.git(['hash-object', '-w', '--stdin'], {}, content.toString('utf8'))
        ).trim();
        return {
          status: 201,
          body: { url: this.api(`/git/blobs/${sha}`), sha },
          headers: { location: this.api(`/git/blobs/${sha}`) },
        };
      }
      case 'git/create-tree': {
        const scratch = await mkdtemp(join(tmpdir(), 'standin-index-'));
        try {
          const env = { GIT_INDEX_FILE: join(scratch, 'index') };
          const baseTree = body?.['base_tree'];
          if (typeof baseTree === 'string') await this.git(['read-tree', baseTree], env);
          for (const entry of (body?.['tree'] ?? []) as {
            path: string;
            mode: string;
            sha: string;
          }[])
            await this.git(
              ['update-index', '--add', '--cacheinfo', `${entry.mode},${entry.sha},${entry.path}`],
              env,
            );
          const sha = (await this.git(['write-tree'], env)).trim();
          return {
            status: 201,
            body: await this.treeObject(sha, false),
            headers: { location: this.api(`/git/trees/${sha}`) },
          };
        } finally {
          await rm(scratch, { recursive: true, force: true });
        }
      }
      case 'git/create-commit': {
        const parents = ((body?.['parents'] ?? []) as string[]).flatMap((parent) => ['-p', parent]);
        const sha = (
          await this.git(
            ['commit-tree', field(body, 'tree'), ...parents, '-F', '-'],
            {},
            field(body, 'message'),
          )
        ).trim();
        return {
          status: 201,
          body: await this.commitObject(sha),
          headers: { location: this.api(`/git/commits/${sha}`) },
        };
      }
      case 'git/create-ref': {
        const ref = field(body, 'ref');
        const sha = field(body, 'sha');
        try {
          await this.git(['update-ref', ref, sha, ZERO]);
        } catch {
          return {
            status: 422,
            body: {
              message: 'Reference already exists',
              documentation_url: 'https://docs.github.com/rest/git/refs#create-a-reference',
            },
          };
        }
        return {
          status: 201,
          body: {
            ref,
            node_id: 'REF_1',
            url: this.api(`/git/${ref.replace(/^refs\//, 'refs/')}`),
            object: { sha, type: 'commit', url: this.api(`/git/commits/${sha}`) },
          },
          headers: { location: this.api(`/git/${ref}`) },
        };
      }
      case 'pulls/list': {
        const example = spec().exampleOf('GET', `/repos/${this.owner}/${this.repo}/pulls/1`, 200);
        const head = url.searchParams.get('head');
        const state = url.searchParams.get('state') ?? 'open';
        const listed = this.pulls
          .filter((pull) => head === null || `${this.owner}:${pull.head}` === head)
          .filter((pull) => state === 'all' || pull.state === state)
          .sort((a, b) => b.number - a.number)
          .map((pull) => {
            // A listed pull request is the "simple" form, without the counters.
            return Object.fromEntries(
              Object.entries(this.pullObject(pull, example)).filter(
                ([key]) => !FULL_PULL_ONLY.has(key),
              ),
            );
          });
        return { status: 200, body: listed };
      }
      case 'pulls/create': {
        const head = field(body, 'head');
        const base = field(body, 'base');
        const headSha = await this.branchHead(head);
        if (headSha === undefined || (await this.branchHead(base)) === undefined)
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
              documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
            },
          };
        if (this.pulls.some((pull) => pull.head === head && pull.state === 'open'))
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [
                {
                  resource: 'PullRequest',
                  code: 'custom',
                  message: `A pull request already exists for ${this.owner}:${head}.`,
                },
              ],
              documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
            },
          };
        const pull: StandInPull = {
          number: this.pulls.length + 1,
          head,
          base,
          title: field(body, 'title'),
          body: field(body, 'body'),
          state: 'open',
          headSha,
        };
        this.pulls.push(pull);
        const example = spec().exampleOf('POST', `/repos/${this.owner}/${this.repo}/pulls`, 201);
        return {
          status: 201,
          body: this.pullObject(pull, example),
          headers: { location: this.api(`/pulls/${pull.number}`) },
        };
      }
      case 'pulls/get': {
        const pull = this.pulls.find(
          (candidate) => candidate.number === Number(params['pull_number']),
        );
        if (pull === undefined) return notFound;
        const example = spec().exampleOf('GET', `/repos/${this.owner}/${this.repo}/pulls/1`, 200);
        return { status: 200, body: this.pullObject(pull, example) };
      }
      case 'pulls/merge': {
        const pull = this.pulls.find(
          (candidate) => candidate.number === Number(params['pull_number']),
        );
        if (pull === undefined) return notFound;
        if (pull.state !== 'open')
          return {
            status: 405,
            body: {
              message: 'Pull Request is not mergeable',
              documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
            },
          };
        if (body?.['sha'] !== undefined && body['sha'] !== pull.headSha)
          return {
            status: 409,
            body: {
              message: 'Head branch was modified. Review and try the merge again.',
              documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
            },
          };
        const passed = (this.requiredChecks ?? []).every(
          (context) =>
            this.statuses.get(pull.headSha)?.find((entry) => entry.context === context)?.state ===
            'success',
        );
        if (!passed)
          return {
            status: 405,
            body: {
              message: 'Required status check is expected.',
              documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
            },
          };
        const sha = await this.mergePull(pull);
        return {
          status: 200,
          body: { sha, merged: true, message: 'Pull Request successfully merged' },
        };
      }
      case 'repos/create-commit-status': {
        const sha = params['sha'] ?? '';
        const entry = {
          state: field(body, 'state'),
          context: field(body, 'context', 'default'),
          description: field(body, 'description'),
        };
        const list = [
          entry,
          ...(this.statuses.get(sha) ?? []).filter((old) => old.context !== entry.context),
        ];
        this.statuses.set(sha, list);
        const example = spec().exampleOf(
          'POST',
          `/repos/${this.owner}/${this.repo}/statuses/${sha}`,
          201,
        ) as Record<string, unknown>;
        return { status: 201, body: { ...example, ...entry, url: this.api(`/statuses/${sha}`) } };
      }
      case 'repos/get-combined-status-for-ref': {
        const sha = (await resolve(`${params['ref'] ?? ''}^{commit}`)) ?? params['ref'] ?? '';
        const example = spec().exampleOf(
          'GET',
          `/repos/${this.owner}/${this.repo}/commits/${sha}/status`,
          200,
        ) as Record<string, unknown> & { statuses: Record<string, unknown>[] };
        const entries = this.statuses.get(sha) ?? [];
        const state = entries.some((entry) => entry.state === 'failure' || entry.state === 'error')
          ? 'failure'
          : entries.every((entry) => entry.state === 'success') && entries.length > 0
            ? 'success'
            : 'pending';
        const template = example.statuses[0] ?? {};
        return {
          status: 200,
          body: {
            ...example,
            state,
            sha,
            total_count: entries.length,
            statuses: entries.map((entry) => ({ ...template, ...entry })),
          },
        };
      }
      case 'checks/list-for-ref':
        return { status: 200, body: { total_count: 0, check_runs: [] } };
      case 'repos/get-branch-protection': {
        if (this.requiredChecks === undefined)
          return {
            status: 404,
            body: {
              message: 'Branch not protected',
              documentation_url:
                'https://docs.github.com/rest/branches/branch-protection#get-branch-protection',
            },
          };
        const contexts = this.requiredChecks;
        return {
          status: 200,
          body: {
            url: this.api('/branches/main/protection'),
            enabled: true,
            required_status_checks: {
              url: this.api('/branches/main/protection/required_status_checks'),
              enforcement_level: 'non_admins',
              contexts,
              checks: contexts.map((context) => ({ context, app_id: null })),
              contexts_url: this.api('/branches/main/protection/required_status_checks/contexts'),
              strict: false,
            },
          },
        };
      }
      default:
        this.violations.push(
          `${operationId}: Ferry used an endpoint the stand-in does not implement`,
        );
        return notFound;
    }
  }
}
