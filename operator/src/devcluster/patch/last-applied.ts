/**
 * The client-side → server-side apply migration apiserver performs for the `kubectl`
 * field manager (apimachinery's managedfields lastAppliedManager/lastAppliedUpdater):
 * fields that conflict only because `kubectl apply` (client-side) set them, as recorded
 * in the `kubectl.kubernetes.io/last-applied-configuration` annotation with the values
 * still live, are taken over without a conflict; and while that annotation exists, a
 * server-side apply by `kubectl` rewrites it to the newly applied configuration, so a
 * later client-side apply computes its patches from the right base.
 */
import { deepEqual, isObject, removeKey, type Json, type JsonObject } from '../core/json.js';
import { keyPath, leavesOf, related, valueAt } from './fieldset.js';
import type { FieldConflict } from './managed.js';
import type { ListShape } from './shape.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The manager whose applies migrate client-side apply (`kubectl apply --server-side`). */
export const MIGRATING_MANAGER = 'kubectl';

function annotationsOf(object: JsonObject): JsonObject | undefined {
  const metadata = object['metadata'];
  const annotations = isObject(metadata) ? metadata['annotations'] : undefined;
  return isObject(annotations) ? annotations : undefined;
}

function lastApplied(object: JsonObject): JsonObject | undefined {
  const text = annotationsOf(object)?.[LAST_APPLIED];
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as Json;
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether every conflict is a field the live object's last-applied configuration sets,
 * with the same value it has live: such conflicts are the migration, not a dispute.
 */
export function conflictsFromClientSideApply(
  live: JsonObject,
  conflicts: readonly FieldConflict[],
  shape: ListShape,
): boolean {
  const recorded = lastApplied(live);
  if (recorded === undefined) return false;
  const leaves = [...leavesOf(recorded, shape)].map(keyPath);
  return conflicts.every((conflict) => {
    const path = keyPath(conflict.field);
    return (
      leaves.some((leaf) => related(leaf, path)) &&
      deepEqual(valueAt(recorded, path), valueAt(live, path))
    );
  });
}

/** JSON with object keys sorted, as Go encodes an unstructured object. */
function sortedJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${sortedJson(value[key] ?? null)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Rewrites `object`'s last-applied annotation (only when it has one) to `applied`, the
 * configuration just applied, without the annotation itself.
 */
export function syncLastApplied(object: JsonObject, applied: JsonObject): void {
  const annotations = annotationsOf(object);
  if (annotations?.[LAST_APPLIED] === undefined) return;
  const config = structuredClone(applied);
  const configAnnotations = annotationsOf(config);
  if (configAnnotations !== undefined) removeKey(configAnnotations, LAST_APPLIED);
  annotations[LAST_APPLIED] = `${sortedJson(config)}\n`;
}
