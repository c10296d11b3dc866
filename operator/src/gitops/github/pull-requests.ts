/**
 * The pull-request side of GitHub that promotion needs: a one-commit branch made through
 * the Git Data API (blob, tree, commit, then the ref, so a branch exists only once its
 * commit is complete), pull requests found by their head branch, commit statuses, and
 * merging once the required checks pass.
 */

import type { GitHubClient } from './client.js';
import type { GitHubRepositoryName } from './repository-name.js';
import { isNotFound, statusOf, type ConditionalGets } from './conditional.js';

export type PullRequestState = 'Open' | 'Merged' | 'Closed';

export interface PullRequestSummary {
  number: number;
  url: string;
  state: PullRequestState;
  headSha: string;
  headRef: string;
  baseRef: string;
}

interface PullLike {
  number: number;
  html_url: string;
  state: string;
  merged_at: string | null;
  head: { sha: string; ref: string };
  base: { ref: string };
}

function summarize(pull: PullLike): PullRequestSummary {
  return {
    number: pull.number,
    url: pull.html_url,
    state: pull.merged_at !== null ? 'Merged' : pull.state === 'open' ? 'Open' : 'Closed',
    headSha: pull.head.sha,
    headRef: pull.head.ref,
    baseRef: pull.base.ref,
  };
}

export interface OneCommitBranch {
  branch: string;
  parent: string;
  path: string;
  mode: string;
  content: string;
  message: string;
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export class GitHubPullRequests {
  private readonly repo: { owner: string; repo: string };

  constructor(
    private readonly github: GitHubClient,
    repository: GitHubRepositoryName,
    private readonly conditional: ConditionalGets,
  ) {
    this.repo = { owner: repository.owner, repo: repository.name };
  }

  /**
   * Creates `branch` holding one commit on top of `parent` in which `path` has `content`.
   * Returns false, creating nothing visible, when the branch already exists.
   */
  async createOneCommitBranch(change: OneCommitBranch): Promise<boolean> {
    const { git } = this.github.rest;
    const parent = await git.getCommit({ ...this.repo, commit_sha: change.parent });
    const blob = await git.createBlob({
      ...this.repo,
      content: Buffer.from(change.content, 'utf8').toString('base64'),
      encoding: 'base64',
    });
    const tree = await git.createTree({
      ...this.repo,
      base_tree: parent.data.tree.sha,
      tree: [
        {
          path: change.path,
          mode: change.mode as '100644' | '100755',
          type: 'blob',
          sha: blob.data.sha,
        },
      ],
    });
    const commit = await git.createCommit({
      ...this.repo,
      message: change.message,
      tree: tree.data.sha,
      parents: [change.parent],
    });
    return this.createBranchRef(change.branch, commit.data.sha);
  }

  /** Creates `branch` at `sha`; false when the branch already exists. */
  async createBranchRef(branch: string, sha: string): Promise<boolean> {
    try {
      await this.github.rest.git.createRef({ ...this.repo, ref: `refs/heads/${branch}`, sha });
      return true;
    } catch (error) {
      if (statusOf(error) === 422) return false;
      throw error;
    }
  }

  /** The newest pull request from `branch` (of this repository), in any state. */
  async findByHead(branch: string): Promise<PullRequestSummary | undefined> {
    // Polled while a proposal is open: conditional, so an unchanged answer costs nothing.
    const data = (await this.conditional.get('GET /repos/{owner}/{repo}/pulls', {
      head: `${this.repo.owner}:${branch}`,
      state: 'all',
      sort: 'created',
      direction: 'desc',
      per_page: '10',
    })) as PullLike[];
    const [newest] = data.filter((pull) => pull.head.ref === branch);
    return newest === undefined ? undefined : summarize(newest);
  }

  /** Opens a pull request; when one from `branch` already exists, returns that one. */
  async open(
    branch: string,
    base: string,
    title: string,
    body: string,
  ): Promise<PullRequestSummary> {
    try {
      const { data } = await this.github.rest.pulls.create({
        ...this.repo,
        head: branch,
        base,
        title,
        body,
      });
      return summarize(data);
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      const existing = await this.findByHead(branch);
      if (existing === undefined) throw error;
      return existing;
    }
  }

  async get(number: number): Promise<PullRequestSummary> {
    const { data } = await this.github.rest.pulls.get({ ...this.repo, pull_number: number });
    return summarize(data);
  }

  async createStatus(
    sha: string,
    state: CommitState,
    context: string,
    description: string,
    targetUrl?: string,
  ): Promise<void> {
    await this.github.rest.repos.createCommitStatus({
      ...this.repo,
      sha,
      state,
      context,
      description: description.slice(0, 140),
      ...(targetUrl === undefined ? {} : { target_url: targetUrl }),
    });
  }

  /** The status contexts branch protection requires on `branch`; undefined when unknown. */
  async requiredChecks(branch: string): Promise<string[] | undefined> {
    try {
      const { data } = await this.github.rest.repos.getBranchProtection({ ...this.repo, branch });
      const required = data.required_status_checks;
      return [
        ...new Set([
          ...(required?.contexts ?? []),
          ...(required?.checks ?? []).map((check) => check.context),
        ]),
      ];
    } catch (error) {
      // 404: the branch is not protected; 403: this token may not read protection.
      if (isNotFound(error)) return [];
      if (statusOf(error) === 403) return undefined;
      throw error;
    }
  }

  /** The commit statuses reported on `sha`, newest per context. */
  async commitStatuses(sha: string): Promise<Map<string, CommitState>> {
    const combined = await this.github.rest.repos.getCombinedStatusForRef({
      ...this.repo,
      ref: sha,
    });
    return new Map(
      combined.data.statuses.map((entry) => [entry.context, entry.state as CommitState]),
    );
  }

  /** The check runs on `sha` by name, as commit states. */
  async checkRuns(sha: string): Promise<Map<string, CommitState>> {
    const runs = await this.github.rest.checks.listForRef({
      ...this.repo,
      ref: sha,
      per_page: 100,
    });
    return new Map(
      runs.data.check_runs.map((run): [string, CommitState] => [
        run.name,
        run.status !== 'completed'
          ? 'pending'
          : run.conclusion === 'success' ||
              run.conclusion === 'neutral' ||
              run.conclusion === 'skipped'
            ? 'success'
            : 'failure',
      ]),
    );
  }

  /**
   * Merges pull request `number` when every check the base branch's protection requires
   * succeeded on its head (every reported check, when the branch has no required checks
   * or its protection cannot be read); returns whether it merged.
   */
  async mergeIfChecksPassed(number: number): Promise<boolean> {
    const pull = await this.get(number);
    if (pull.state !== 'Open') return pull.state === 'Merged';
    const checks = new Map([
      ...(await this.commitStatuses(pull.headSha)),
      ...(await this.checkRuns(pull.headSha)),
    ]);
    const protectedBy = await this.requiredChecks(pull.baseRef);
    const required =
      protectedBy === undefined || protectedBy.length === 0 ? [...checks.keys()] : protectedBy;
    if (!required.every((name) => checks.get(name) === 'success')) return false;
    try {
      await this.github.rest.pulls.merge({ ...this.repo, pull_number: number, sha: pull.headSha });
      return true;
    } catch (error) {
      // 405: not mergeable yet (checks or reviews); 409: the head moved.
      if (statusOf(error) === 405 || statusOf(error) === 409) return false;
      throw error;
    }
  }
}
