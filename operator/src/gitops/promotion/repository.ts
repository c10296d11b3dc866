/**
 * Where proposals live: GitHub (a pull request from a one-commit branch) or a plain git
 * repository (the one-commit branch alone, pushed when there is a remote). The reconciler
 * talks only to this interface.
 */

import type { Proposal } from './plan.js';

/** A file of a committed tree. `sha` is its blob id, so equal ids mean equal content. */
export interface CommittedFile {
  path: string;
  mode: string;
  sha: string;
}

export interface ProposalRequest {
  branch: string;
  /** The tracked branch the proposal targets, and the commit the change goes on top of. */
  baseBranch: string;
  baseCommit: string;
  file: CommittedFile;
  content: string;
  title: string;
  commitMessage: string;
  body: string;
}

export interface ProposalRepository {
  /** `GitHub owner/name`, or the repository's path or remote, for messages. */
  readonly description: string;
  /** Whether proposals are pull requests (observable when closed) or bare branches. */
  readonly pullRequests: boolean;
  /** The head commit of `branch`, or undefined when it does not exist. */
  head(branch: string): Promise<string | undefined>;
  /** Every file of `commit`'s tree. */
  files(commit: string): Promise<CommittedFile[]>;
  read(file: CommittedFile): Promise<string>;
  /**
   * The proposal on `branch` against `baseBranch`: a pull request in any state, or a
   * branch (Merged once the base contains it); undefined when there is none.
   */
  find(branch: string, baseBranch: string): Promise<Proposal | undefined>;
  /**
   * Creates the branch with its one commit and (on GitHub) the pull request. When another
   * writer got there first, returns what that writer created instead of a second one.
   */
  open(request: ProposalRequest): Promise<Proposal>;
  /** Merges an open pull request whose required checks passed; returns whether it did. */
  mergeIfChecksPassed(proposal: Proposal): Promise<boolean>;
  /** How a person merges `proposal`, for the ModelVersion's status; undefined on GitHub. */
  mergeHint(proposal: Proposal, baseBranch: string): string | undefined;
}
