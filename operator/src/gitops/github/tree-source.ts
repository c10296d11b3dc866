/**
 * Reads a branch's committed tree and blobs through GitHub's API with conditional
 * requests, so a poll that finds nothing new is answered 304 and costs no rate limit.
 * Blobs are addressed by content, so each is fetched once.
 */

import type { GitHubClient } from './client.js';
import { isNotFound, type ConditionalGets } from './conditional.js';
import type { GitHubRepositoryName } from './repository-name.js';

export interface GitHubTreeEntry {
  path: string;
  mode: string;
  sha: string;
}

export class GitHubTreeSource {
  private readonly blobs = new Map<string, string>();

  constructor(
    private readonly github: GitHubClient,
    private readonly repository: GitHubRepositoryName,
    private readonly conditional: ConditionalGets,
  ) {}

  /** The commit at the tip of `branch`, or undefined when the branch does not exist. */
  async head(branch: string): Promise<string | undefined> {
    try {
      const ref = (await this.conditional.get('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        ref: `heads/${branch}`,
      })) as { object: { sha: string } };
      return ref.object.sha;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every blob of `commit`'s tree. */
  async files(commit: string): Promise<GitHubTreeEntry[]> {
    const commitData = (await this.conditional.get(
      'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
      {
        commit_sha: commit,
      },
    )) as { tree: { sha: string } };
    const tree = (await this.conditional.get('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
      tree_sha: commitData.tree.sha,
      recursive: '1',
    })) as {
      truncated: boolean;
      tree: { path?: string; mode?: string; type?: string; sha?: string }[];
    };
    if (tree.truncated)
      throw new Error(`the tree of ${commit} is too large for one GitHub API response`);
    return tree.tree.flatMap((entry) =>
      entry.type === 'blob' && entry.path !== undefined && entry.sha !== undefined
        ? [{ path: entry.path, mode: entry.mode ?? '100644', sha: entry.sha }]
        : [],
    );
  }

  async blob(sha: string): Promise<string> {
    const cached = this.blobs.get(sha);
    if (cached !== undefined) return cached;
    const { data } = await this.github.rest.git.getBlob({
      owner: this.repository.owner,
      repo: this.repository.name,
      file_sha: sha,
    });
    const text =
      data.encoding === 'base64'
        ? Buffer.from(data.content, 'base64').toString('utf8')
        : data.content;
    this.blobs.set(sha, text);
    return text;
  }
}
