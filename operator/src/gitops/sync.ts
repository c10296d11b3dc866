/**
 * One sync of one commit: read its manifests, validate them with `ferry validate`'s
 * checks, and, only when none has an error, apply what it declares and prune what it no
 * longer declares.
 *
 * Contract:
 * - a commit with any invalid manifest applies and prunes nothing;
 * - nothing is pruned after an apply failed, so a half-applied commit never loses objects;
 * - only objects labelled `ferry.dev/managed-by: gitops` are ever pruned.
 */

import { formatText } from '../manifests/report.js';
import { countBySeverity, validateCheckedFiles } from '../manifests/validate.js';
import type { KubeClient } from '../runtime/client.js';
import { errorMessage } from '../runtime/errors.js';
import { applyObjects, listManaged, pruneObjects } from './cluster.js';
import type { ManifestReader } from './manifest-files.js';
import { kindLine, parseKindLine, SyncReason, SyncResult, type SyncOutcome } from './outcome.js';
import { planSync } from './plan.js';

export interface SyncTarget {
  client: KubeClient;
  reader: ManifestReader;
  /** The folder whose manifests are synced, `''` for the whole tree. */
  path: string;
}

type Counts = Pick<SyncOutcome, 'applied' | 'unchanged' | 'pruned'>;
const NONE: Counts = { applied: 0, unchanged: 0, pruned: 0 };

/** `previousKinds`: the kinds of the last outcome, where managed objects may still live. */
export async function syncCommit(
  target: SyncTarget,
  revision: string,
  previousKinds: readonly string[],
): Promise<Omit<SyncOutcome, 'durationSeconds'>> {
  const short = revision.slice(0, 12);
  let files;
  try {
    files = await target.reader.read(revision, target.path);
  } catch (error) {
    return {
      revision,
      result: SyncResult.failed,
      reason: SyncReason.sourceFailed,
      message: `cannot read ${short}: ${errorMessage(error)}`,
      problems: [],
      ...NONE,
      kinds: [...previousKinds],
    };
  }
  const { report } = validateCheckedFiles(files.map((file) => file.checked));
  const problems = formatText(report)
    .split('\n')
    .filter((line) => line !== '');
  const { errors } = countBySeverity(report.problems);
  if (errors > 0) {
    return {
      revision,
      result: SyncResult.invalid,
      reason: SyncReason.invalidManifests,
      message: `${short} has ${errors} invalid manifest problem${errors === 1 ? '' : 's'}: nothing applied`,
      problems,
      ...NONE,
      kinds: [...previousKinds],
    };
  }

  const desired = files.flatMap((file) => file.desired);
  const kinds = [...new Set([...previousKinds, ...desired.map(kindLine)])].sort();
  const failed = (reason: SyncReason, message: string, lines: string[], counts: Counts) => ({
    revision,
    result: SyncResult.failed,
    reason,
    message,
    problems: [...problems, ...lines],
    ...counts,
    kinds,
  });
  let plan;
  try {
    const kindRefs = kinds.flatMap((line) => parseKindLine(line) ?? []);
    plan = planSync(
      await listManaged(target.client, kindRefs),
      desired,
      target.client.defaultNamespace,
    );
  } catch (error) {
    return failed(SyncReason.listFailed, `cannot list objects: ${errorMessage(error)}`, [], NONE);
  }
  const applyFailures = await applyObjects(target.client, plan.apply, revision);
  const applied = plan.apply.length - applyFailures.length;
  if (applyFailures.length > 0) {
    return failed(
      SyncReason.applyFailed,
      `${short}: ${applyFailures.length} of ${plan.apply.length} objects failed to apply; nothing pruned`,
      applyFailures,
      { applied, unchanged: plan.unchanged.length, pruned: 0 },
    );
  }
  const pruneFailures = await pruneObjects(target.client, plan.prune);
  const counts = {
    applied,
    unchanged: plan.unchanged.length,
    pruned: plan.prune.length - pruneFailures.length,
  };
  if (pruneFailures.length > 0) {
    return failed(
      SyncReason.pruneFailed,
      `${short}: ${pruneFailures.length} of ${plan.prune.length} objects failed to prune`,
      pruneFailures,
      counts,
    );
  }
  return {
    revision,
    result: SyncResult.synced,
    reason: SyncReason.synced,
    message: `${short}: ${counts.applied} applied, ${counts.unchanged} unchanged, ${counts.pruned} pruned`,
    problems,
    ...counts,
    // Kinds git no longer declares hold no managed objects once pruning succeeded.
    kinds: [...new Set(desired.map(kindLine))].sort(),
  };
}
