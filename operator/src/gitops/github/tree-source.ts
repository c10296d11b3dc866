/**
 * Reads a branch's committed tree and blobs through GitHub's API, remembering ETags so a
 * poll that finds nothing new is answered 304 Not Modified, which GitHub does not count
 * against the rate limit. Blobs are addressed by content, so each is fetched once.
 */

import type { GitHubClient } from './client.js';
import type { GitHubRepositoryName } from './repository-name.js';

export interface GitHubTreeEntry {
  path: string;
  mode: string;
  sha: string;
}

interface Remembered {
  etag: string;
  data: unknown;
}

function isNotModified(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'status' in error && error.status === 304;
}

export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'status' in error && error.status === 404;
}

export class GitHubTreeSource {
  private readonly remembered = new Map<string, Remembered>();
  private readonly blobs = new Map<string, string>();
  /** Requests answered 304 and requests sent, since creation. */
  readonly counts = { notModified: 0, requests: 0 };

  constructor(
    private readonly github: GitHubClient,
    private readonly repository: GitHubRepositoryName,
  ) {}

  /** GET `route` with the ETag of its last answer; the cached body when it is unchanged. */
  private async conditional(route: string, parameters: Record<string, string>): Promise<unknown> {
    const key = `${route} ${JSON.stringify(parameters)}`;
    const known = this.remembered.get(key);
    this.counts.requests += 1;
    try {
      const response = await this.github.request(route, {
        owner: this.repository.owner,
        repo: this.repository.name,
        ...parameters,
        headers: known === undefined ? {} : { 'if-none-match': known.etag },
      });
      const etag = response.headers.etag;
      if (etag !== undefined) this.remembered.set(key, { etag, data: response.data });
      return response.data;
    } catch (error) {
      if (known !== undefined && isNotModified(error)) {
        this.counts.notModified += 1;
        return known.data;
      }
      throw error;
    }
  }

  /** The commit at the tip of `branch`, or undefined when the branch does not exist. */
  async head(branch: string): Promise<string | undefined> {
    try {
      const ref = (await this.conditional('GET /repos/{owner}/{repo}/git/ref/{ref}', {
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
    const commitData = (await this.conditional(
      'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
      {
        commit_sha: commit,
      },
    )) as { tree: { sha: string } };
    const tree = (await this.conditional('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
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
    this.counts.requests += 1;
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
