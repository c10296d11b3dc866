/**
 * Proposals as plain git branches: one commit on top of the tracked branch, created with
 * plumbing in a local repository (read in place; its HEAD, index and working tree are
 * never touched), and pushed when there is a remote, so any git host's "open a pull
 * request from this branch" flow works.
 *
 * With a remote, `gitDir` is a repository Ferry owns (a bare cache): branches are read
 * from the remote as fetched into `refs/remotes/origin/`, and a branch counts as created
 * only once the push that expects it not to exist on the remote succeeded.
 */

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createBranch,
  git,
  isAncestor,
  listFiles,
  readBlob,
  resolveCommit,
  writeCommit,
} from './git-plumbing.js';
import type { Proposal } from './plan.js';
import type { CommittedFile, ProposalRepository, ProposalRequest } from './repository.js';
import { GitError } from '../git/command.js';

export interface LocalRepositoryOptions {
  gitDir: string;
  /** A remote URL to fetch the tracked branch from and push proposal branches to. */
  remote?: string;
  author?: { name: string; email: string };
}

const FERRY_AUTHOR = { name: 'Ferry', email: 'ferry@ferry.dev' };

export class LocalRepository implements ProposalRepository {
  readonly pullRequests = false;
  readonly description: string;

  /**
   * A repository proposing to `remote`, through a bare cache at `cacheDir` (created when
   * missing; an existing one is reused as it is).
   */
  static async withRemote(cacheDir: string, remote: string): Promise<LocalRepository> {
    await mkdir(dirname(cacheDir), { recursive: true });
    await git(dirname(cacheDir), ['init', '--quiet', '--bare', cacheDir]);
    return new LocalRepository({ gitDir: cacheDir, remote });
  }

  constructor(private readonly options: LocalRepositoryOptions) {
    this.description = options.remote ?? options.gitDir;
  }

  private ref(branch: string): string {
    return this.options.remote === undefined
      ? `refs/heads/${branch}`
      : `refs/remotes/origin/${branch}`;
  }

  /** Brings the remote's `branches` into `refs/remotes/origin/`, dropping ones it deleted. */
  private async fetch(branches: readonly string[]): Promise<void> {
    const remote = this.options.remote;
    if (remote === undefined) return;
    const present = await git(this.options.gitDir, [
      'ls-remote',
      '--heads',
      remote,
      ...branches.map((branch) => `refs/heads/${branch}`),
    ]);
    const found = new Set(
      present
        .split('\n')
        .map((line) => line.split('\t')[1])
        .filter((ref): ref is string => ref !== undefined),
    );
    for (const branch of branches) {
      if (found.has(`refs/heads/${branch}`)) continue;
      if ((await resolveCommit(this.options.gitDir, this.ref(branch))) !== undefined)
        await git(this.options.gitDir, ['update-ref', '-d', this.ref(branch)]);
    }
    const specs = branches
      .filter((branch) => found.has(`refs/heads/${branch}`))
      .map((branch) => `+refs/heads/${branch}:${this.ref(branch)}`);
    if (specs.length > 0) await git(this.options.gitDir, ['fetch', '--no-tags', remote, ...specs]);
  }

  async head(branch: string): Promise<string | undefined> {
    await this.fetch([branch]);
    return resolveCommit(this.options.gitDir, this.ref(branch));
  }

  async files(commit: string): Promise<CommittedFile[]> {
    return listFiles(this.options.gitDir, commit);
  }

  async read(file: CommittedFile): Promise<string> {
    return readBlob(this.options.gitDir, file.sha);
  }

  async find(branch: string, baseBranch: string): Promise<Proposal | undefined> {
    await this.fetch([branch, baseBranch]);
    const tip = await resolveCommit(this.options.gitDir, this.ref(branch));
    if (tip === undefined) return undefined;
    const base = await resolveCommit(this.options.gitDir, this.ref(baseBranch));
    const merged = base !== undefined && (await isAncestor(this.options.gitDir, tip, base));
    return { branch, state: merged ? 'Merged' : 'Open' };
  }

  async open(request: ProposalRequest): Promise<Proposal> {
    const { gitDir, remote } = this.options;
    const commit = await writeCommit(gitDir, {
      parent: request.baseCommit,
      path: request.file.path,
      mode: request.file.mode,
      content: request.content,
      message: `${request.commitMessage}\n${request.body}`,
      author: this.options.author ?? FERRY_AUTHOR,
    });
    if (remote === undefined) {
      await createBranch(gitDir, request.branch, commit);
    } else {
      try {
        await git(gitDir, [
          'push',
          '--porcelain',
          `--force-with-lease=refs/heads/${request.branch}:`,
          remote,
          `${commit}:refs/heads/${request.branch}`,
        ]);
      } catch (error) {
        // Rejected because the branch exists: someone else proposed it first.
        if (!(error instanceof GitError)) throw error;
      }
    }
    const found = await this.find(request.branch, request.baseBranch);
    if (found === undefined) throw new Error(`branch ${request.branch} was not created`);
    return found;
  }

  mergeIfChecksPassed(): Promise<boolean> {
    return Promise.resolve(false);
  }

  mergeHint(proposal: Proposal, baseBranch: string): string {
    return this.options.remote === undefined
      ? `merge it with: git merge ${proposal.branch}`
      : `open a pull request from ${proposal.branch} into ${baseBranch}, or merge it with: git fetch origin ${proposal.branch} && git merge FETCH_HEAD`;
  }
}
