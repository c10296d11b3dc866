/**
 * Where the sync reads committed manifests from. A `TreeSource` answers three questions
 * about the tracked branch: which commit is its head now, which files a commit holds under
 * a path, and what those files contain. Blobs are addressed by object id, so a reader can
 * keep the contents it already has and ask only for the blobs a new commit changed.
 *
 * Implementations: a local repository read in place, a remote fetched into a bare cache
 * (both here), and GitHub's API (trees and blobs with conditional requests).
 */

import { RemoteMirror } from './git/mirror.js';
import { GitRepository, type TreeEntry } from './git/repository.js';
import { redactUrl } from './redact.js';

export type { TreeEntry } from './git/repository.js';

export interface TreeSource {
  /** What is synced, safe to show: a URL without credentials or a directory, and the branch. */
  readonly description: string;
  /**
   * The tracked branch's head commit, refreshed from its origin first (a fetch, a
   * conditional request); undefined when the branch does not exist.
   */
  head(): Promise<string | undefined>;
  /** The regular files of `commit` under `path` (`''` for the whole tree), in path order. */
  tree(commit: string, path: string): Promise<TreeEntry[]>;
  /** The contents of blobs by object id. */
  blobs(objectIds: readonly string[]): Promise<Map<string, Buffer>>;
}

/** A local repository's branch, read in place: its HEAD, index and working tree are never touched. */
export async function localGitSource(
  directory: string,
  branch: string,
  redact: (text: string) => string,
): Promise<TreeSource> {
  const repository = await GitRepository.open(directory, redact);
  return {
    description: `${directory} (branch ${branch})`,
    head: () => repository.resolveBranch(branch),
    tree: (commit, path) => repository.listTree(commit, path),
    blobs: (ids) => repository.readBlobs(ids),
  };
}

/** A remote repository's branch, fetched into a bare copy under `cacheDir` on every `head()`. */
export function remoteGitSource(
  url: string,
  branch: string,
  cacheDir: string,
  redact: (text: string) => string,
): TreeSource & { mirror: RemoteMirror } {
  const mirror = new RemoteMirror(url, cacheDir, redact);
  return {
    mirror,
    description: `${redactUrl(url)} (branch ${branch})`,
    head: async () => (await mirror.fetch(branch)).resolveBranch(branch),
    tree: (commit, path) => mirror.repository().listTree(commit, path),
    blobs: (ids) => mirror.repository().readBlobs(ids),
  };
}
