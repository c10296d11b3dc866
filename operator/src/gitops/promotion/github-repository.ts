/** Proposals as GitHub pull requests, each from a one-commit branch of the repository. */

import type { GitHubClient } from '../github/client.js';
import { ConditionalGets } from '../github/conditional.js';
import { GitHubPullRequests } from '../github/pull-requests.js';
import type { GitHubRepositoryName } from '../github/repository-name.js';
import { GitHubTreeSource } from '../github/tree-source.js';
import type { Proposal } from './plan.js';
import type { CommittedFile, ProposalRepository, ProposalRequest } from './repository.js';
import type { Logger } from '../../runtime/logger.js';
import type { SyncReporter } from '../outcome.js';
import type { TreeSource } from '../source.js';
import { githubSyncSource, syncStatusReporter } from '../github/sync-status.js';

export class GitHubRepository implements ProposalRepository {
  readonly pullRequests = true;
  readonly description: string;
  private readonly tree: GitHubTreeSource;
  private readonly pulls: GitHubPullRequests;

  constructor(github: GitHubClient, repository: GitHubRepositoryName) {
    this.description = `GitHub ${repository.owner}/${repository.name}`;
    const conditional = new ConditionalGets(github, repository);
    this.tree = new GitHubTreeSource(github, repository, conditional);
    this.pulls = new GitHubPullRequests(github, repository, conditional);
  }

  head(branch: string): Promise<string | undefined> {
    return this.tree.head(branch);
  }

  /**
   * The git sync's side of this repository: `ferry/sync` commit statuses, and `branch`
   * read through the API (for a sync with no `--git-dir` or `--git-url`).
   */
  sync(branch: string, log: Logger): { reporter: SyncReporter; source: TreeSource } {
    return {
      reporter: syncStatusReporter(this.pulls, log),
      source: githubSyncSource(this.tree, this.description, branch),
    };
  }

  files(commit: string): Promise<CommittedFile[]> {
    return this.tree.files(commit);
  }

  read(file: CommittedFile): Promise<string> {
    return this.tree.blob(file.sha);
  }

  async find(branch: string): Promise<Proposal | undefined> {
    const pull = await this.pulls.findByHead(branch);
    if (pull !== undefined)
      return { branch, state: pull.state, number: pull.number, url: pull.url };
    // A branch without a pull request is a proposal cut short; `open` completes it.
    return undefined;
  }

  async open(request: ProposalRequest): Promise<Proposal> {
    if ((await this.tree.head(request.branch)) === undefined)
      await this.pulls.createOneCommitBranch({
        branch: request.branch,
        parent: request.baseCommit,
        path: request.file.path,
        mode: request.file.mode,
        content: request.content,
        message: request.commitMessage,
      });
    const pull = await this.pulls.open(
      request.branch,
      request.baseBranch,
      request.title,
      request.body,
    );
    return { branch: request.branch, state: pull.state, number: pull.number, url: pull.url };
  }

  async mergeIfChecksPassed(proposal: Proposal): Promise<boolean> {
    return proposal.number !== undefined && (await this.pulls.mergeIfChecksPassed(proposal.number));
  }

  mergeHint(): undefined {
    return undefined;
  }
}
