import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDuration } from '../api/duration.js';
import { Redactor, redactUrl } from '../gitops/redact.js';
import type { GitHubRepository } from '../gitops/promotion/github-repository.js';
import type { Registry } from 'prom-client';
import {
  openGitSource,
  prepareGitOps,
  type GitLocation,
  type GitOps,
  type GitOpsOptions,
} from '../gitops/start.js';
import type { Logger } from '../runtime/logger.js';
import { proposalRepository } from '../gitops/promotion/setup.js';
import type { ProposalRepository } from '../gitops/promotion/repository.js';
import { UsageError } from './io.js';

/** `ferry operator`'s git flags, for `parseArgs`; none has a default there, so the environment can fill it. */
export const gitopsFlagOptions = {
  'git-url': { type: 'string' },
  'git-dir': { type: 'string' },
  'git-branch': { type: 'string' },
  'git-path': { type: 'string' },
  'git-interval': { type: 'string' },
  'git-sync': { type: 'string' },
  'git-cache-dir': { type: 'string' },
  'webhook-secret-file': { type: 'string' },
  'github-repo': { type: 'string' },
  'github-api-url': { type: 'string' },
  'github-token-file': { type: 'string' },
  'github-app-id': { type: 'string' },
  'github-app-key-file': { type: 'string' },
  'github-installation-id': { type: 'string' },
} as const;

export const gitopsUsage = `  --git-url URL                   sync from a remote (https://, ssh://, git://, file://), fetched into the cache
  --git-dir DIR                   or from a local repository, read in place (committed content only)
  --git-branch NAME               the tracked branch (default main)
  --git-path PATH                 the folder whose manifests are synced (default the whole tree)
  --git-interval D                how often to poll (default 1m)
  --git-sync=false                apply nothing (Flux or Argo CD syncs)
  --git-cache-dir DIR             where remotes are fetched (default $TMPDIR/ferry-git)
  --webhook-secret-file FILE      the secret that signs POST /hooks/github
  --github-repo OWNER/NAME        pull requests on GitHub (derived from a github.com --git-url)
  --github-api-url URL            GitHub Enterprise (default https://api.github.com)
  --github-token-file FILE        or GITHUB_TOKEN; or a GitHub App: --github-app-id,
                                  --github-app-key-file, --github-installation-id
  Each has an environment equivalent: FERRY_GIT_URL, FERRY_GIT_DIR, … FERRY_GITHUB_REPO.`;

type GitFlag = keyof typeof gitopsFlagOptions;
type GitFlagValues = Partial<Record<GitFlag, string>>;

const URL_SCHEMES = ['https:', 'http:', 'ssh:', 'git:', 'file:'];
/** `user@host:path`, the scp-like syntax git accepts for ssh. */
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]/;

function envName(flag: GitFlag): string {
  return `FERRY_${flag.toUpperCase().replaceAll('-', '_')}`;
}

function checkedUrl(url: string): string {
  if (SCP_LIKE.test(url)) return url;
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new UsageError(`--git-url "${redactUrl(url)}" is not a URL`);
  }
  if (!URL_SCHEMES.includes(scheme)) {
    throw new UsageError(
      `--git-url "${redactUrl(url)}": use https://, ssh://, git:// or file:// (or user@host:path)`,
    );
  }
  return url;
}

function checkedBranch(branch: string): string {
  if (branch === '' || branch.startsWith('-') || /[\s~^:?*[\\]|\.\.|@\{/.test(branch)) {
    throw new UsageError(`--git-branch "${branch}" is not a branch name`);
  }
  return branch;
}

/**
 * The git sync's configuration from flags, each falling back to its `FERRY_*` environment
 * variable, or undefined when neither `--git-url` nor `--git-dir` is set.
 */
export async function parseGitopsFlags(
  flags: GitFlagValues,
  context: { env: NodeJS.ProcessEnv; reportNamespace: string },
): Promise<{ location: GitLocation | undefined; options: GitOpsOptions } | undefined> {
  const value = (flag: GitFlag): string | undefined => flags[flag] ?? context.env[envName(flag)];
  const url = value('git-url');
  const directory = value('git-dir');
  if (url !== undefined && directory !== undefined) {
    throw new UsageError('--git-url and --git-dir are mutually exclusive');
  }
  const secretFile = value('webhook-secret-file');
  // With only --github-repo, the branch is read through GitHub's API.
  const githubOnly = value('github-repo') !== undefined;
  if (url === undefined && directory === undefined && !githubOnly) {
    if (secretFile !== undefined)
      throw new UsageError('--webhook-secret-file needs --git-url, --git-dir or --github-repo');
    return undefined;
  }
  const interval = value('git-interval') ?? '1m';
  const intervalMs = parseDuration(interval);
  if (intervalMs === undefined || intervalMs <= 0) {
    throw new UsageError(`--git-interval "${interval}" is not a duration such as 1m`);
  }
  const sync = value('git-sync') ?? 'true';
  if (sync !== 'true' && sync !== 'false') {
    throw new UsageError(`--git-sync "${sync}": use true or false`);
  }
  let webhookSecret: string | undefined;
  if (secretFile !== undefined) {
    try {
      webhookSecret = (await readFile(secretFile, 'utf8')).replace(/\r?\n$/, '');
    } catch {
      throw new UsageError(`--webhook-secret-file: cannot read ${secretFile}`);
    }
    if (webhookSecret === '') throw new UsageError(`--webhook-secret-file ${secretFile} is empty`);
  }
  const location: GitLocation | undefined =
    url !== undefined
      ? {
          kind: 'url',
          url: checkedUrl(url),
          cacheDir: resolve(value('git-cache-dir') ?? join(tmpdir(), 'ferry-git')),
        }
      : directory !== undefined
        ? { kind: 'directory', directory: resolve(directory) }
        : undefined;
  return {
    location,
    options: {
      branch: checkedBranch(value('git-branch') ?? 'main'),
      path: value('git-path') ?? '',
      intervalMs,
      sync: sync === 'true',
      webhookSecret,
      reportNamespace: context.reportNamespace,
    },
  };
}

/**
 * The git sync the flags ask for, with its source opened, or undefined when they ask for
 * none. `github` is the GitHub side of the promotion repository, when proposals go to
 * GitHub: outcomes become `ferry/sync` commit statuses, and without `--git-dir` or
 * `--git-url` the branch is read through its API.
 */
export async function gitopsFromFlags(
  flags: GitFlagValues,
  context: {
    env: NodeJS.ProcessEnv;
    reportNamespace: string;
    registry: Registry;
    log: Logger;
    github?: { sync: GitHubRepository['sync'] } | undefined;
  },
): Promise<GitOps | undefined> {
  const parsed = await parseGitopsFlags(flags, context);
  if (parsed === undefined) return undefined;
  const github = context.github?.sync(parsed.options.branch, context.log);
  let opened;
  try {
    if (parsed.location !== undefined)
      opened = await openGitSource(parsed.location, parsed.options.branch);
    else if (github !== undefined) opened = { source: github.source, redactor: new Redactor() };
    else throw new Error('--github-repo needs a GitHub repository');
  } catch (error) {
    throw new UsageError(
      `cannot open the git source: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const gitops = prepareGitOps(opened, parsed.options, context);
  if (github !== undefined) gitops.addReporter(github.reporter);
  return gitops;
}

/**
 * Where promotion and revert proposals go, as the flags say: GitHub pull requests, or
 * branches of the git source; undefined when no repository is named.
 */
export async function promotionFromFlags(
  flags: GitFlagValues,
  context: { env: NodeJS.ProcessEnv; log: Logger },
): Promise<{ repository: ProposalRepository; trackedBranch: string } | undefined> {
  const value = (flag: GitFlag): string | undefined => flags[flag] ?? context.env[envName(flag)];
  const gitUrl = value('git-url');
  const gitDir = value('git-dir');
  const githubRepo = value('github-repo');
  if (gitUrl === undefined && gitDir === undefined && githubRepo === undefined) return undefined;
  const optional = (key: string, text: string | undefined) =>
    text === undefined ? {} : { [key]: text };
  try {
    const repository = await proposalRepository({
      ...optional('gitDir', gitDir === undefined ? undefined : resolve(gitDir)),
      ...optional('gitUrl', gitUrl),
      ...optional('githubRepo', githubRepo),
      ...optional('githubApiUrl', value('github-api-url')),
      githubAuth: {
        ...optional('tokenFile', value('github-token-file')),
        ...optional('tokenFromEnvironment', context.env.GITHUB_TOKEN),
        ...optional('appId', value('github-app-id')),
        ...optional('appKeyFile', value('github-app-key-file')),
        ...optional('installationId', value('github-installation-id')),
      },
      cacheDir: resolve(value('git-cache-dir') ?? join(tmpdir(), 'ferry-git')),
      log: context.log,
    });
    return { repository, trackedBranch: checkedBranch(value('git-branch') ?? 'main') };
  } catch (error) {
    throw new UsageError(
      `cannot set up promotion proposals: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
