/** The result of one sync attempt, as every reporter receives it. */

export const SyncResult = {
  /** Everything declared is applied and everything undeclared is pruned. */
  synced: 'Synced',
  /** The commit has invalid manifests; nothing was applied. */
  invalid: 'Invalid',
  /** The source could not be read, or an apply or prune failed; retried at the next poll. */
  failed: 'Failed',
} as const;
export type SyncResult = (typeof SyncResult)[keyof typeof SyncResult];

export const SyncReason = {
  synced: 'Synced',
  invalidManifests: 'InvalidManifests',
  sourceFailed: 'SourceFailed',
  branchNotFound: 'BranchNotFound',
  /** The objects to prune, or the last report, could not be listed. */
  listFailed: 'ListFailed',
  applyFailed: 'ApplyFailed',
  pruneFailed: 'PruneFailed',
} as const;
export type SyncReason = (typeof SyncReason)[keyof typeof SyncReason];

export interface SyncOutcome {
  /** The commit synced or tried; undefined when the branch could not be read at all. */
  revision: string | undefined;
  result: SyncResult;
  reason: SyncReason;
  /** One line for people. */
  message: string;
  /** One problem a line: `file:line:col  Kind/name  .field  message` for invalid manifests. */
  problems: string[];
  applied: number;
  unchanged: number;
  pruned: number;
  /**
   * `apiVersion kind` of every kind that may hold objects this sync manages: where the
   * next sync (in this process or after a restart) looks for objects to prune.
   */
  kinds: string[];
  durationSeconds: number;
}

/** Receives every sync outcome: a report object, metrics, a commit status on a git host. */
export interface SyncReporter {
  /** Must not throw; a reporter that cannot report logs why. */
  report(outcome: SyncOutcome): Promise<void>;
}

export function kindLine(object: { apiVersion: string; kind: string }): string {
  return `${object.apiVersion} ${object.kind}`;
}

export function parseKindLine(line: string): { apiVersion: string; kind: string } | undefined {
  const [apiVersion, kind, ...rest] = line.trim().split(' ');
  if (apiVersion === undefined || kind === undefined || apiVersion === '' || rest.length > 0)
    return undefined;
  return { apiVersion, kind };
}
