/**
 * The git sync on GitHub: each outcome as the commit status `ferry/sync` of the commit it
 * synced (success, failure for invalid manifests, error for anything else), and a
 * `TreeSource` that reads the tracked branch through the API with conditional requests.
 */

import type { SyncOutcome, SyncReporter } from '../outcome.js';
import type { TreeSource } from '../source.js';
import type { Logger } from '../../runtime/logger.js';
import type { CommitState, GitHubPullRequests } from './pull-requests.js';
import type { GitHubTreeSource } from './tree-source.js';

/** The context of Ferry's commit status. */
export const SYNC_STATUS_CONTEXT = 'ferry/sync';

const STATE: Readonly<Record<SyncOutcome['result'], CommitState>> = {
  Synced: 'success',
  Invalid: 'failure',
  Failed: 'error',
};

/** Reports every outcome as a commit status; a failed report is logged, never thrown. */
export function syncStatusReporter(pulls: GitHubPullRequests, log: Logger): SyncReporter {
  return {
    async report(outcome) {
      if (outcome.revision === undefined) return;
      const problems = outcome.problems.length;
      const description =
        problems === 0 ? outcome.message : `${outcome.message} (${String(problems)} problems)`;
      try {
        await pulls.createStatus(
          outcome.revision,
          STATE[outcome.result],
          SYNC_STATUS_CONTEXT,
          description,
        );
      } catch (error) {
        log.warn(
          {
            revision: outcome.revision,
            err: error instanceof Error ? error.message : String(error),
          },
          'could not write the ferry/sync commit status',
        );
      }
    },
  };
}

/** `branch` of the repository under `path`, read through the API. */
export function githubSyncSource(
  tree: GitHubTreeSource,
  description: string,
  branch: string,
): TreeSource {
  return {
    description: `${description} (branch ${branch})`,
    head: () => tree.head(branch),
    async tree(commit, path) {
      const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
      const files = await tree.files(commit);
      return files
        .filter(
          (file) =>
            (file.mode === '100644' || file.mode === '100755') &&
            (prefix === '' || file.path.startsWith(prefix)),
        )
        .map((file) => ({ path: file.path, mode: file.mode, objectId: file.sha }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async blobs(objectIds) {
      const contents = await Promise.all(
        objectIds.map(async (id): Promise<[string, Buffer]> => [
          id,
          Buffer.from(await tree.blob(id), 'utf8'),
        ]),
      );
      return new Map(contents);
    },
  };
}
