/**
 * GET requests that remember each answer's ETag and send it back as `If-None-Match`, so an
 * unchanged resource is answered 304 Not Modified, which GitHub does not count against the
 * rate limit; the remembered body is returned instead.
 */

import type { GitHubClient } from './client.js';
import type { GitHubRepositoryName } from './repository-name.js';

interface Remembered {
  etag: string;
  data: unknown;
}

/** The HTTP status of an octokit RequestError, if `error` is one. */
export function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error
    ? Number(error.status)
    : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

export class ConditionalGets {
  private readonly remembered = new Map<string, Remembered>();
  /** Requests answered 304, and all requests sent, since creation. */
  readonly counts = { notModified: 0, requests: 0 };

  constructor(
    private readonly github: GitHubClient,
    private readonly repository: GitHubRepositoryName,
  ) {}

  /** GET `route` (a route of this repository) with the ETag of its last answer. */
  async get(route: string, parameters: Record<string, string>): Promise<unknown> {
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
      if (known !== undefined && statusOf(error) === 304) {
        this.counts.notModified += 1;
        return known.data;
      }
      throw error;
    }
  }
}
