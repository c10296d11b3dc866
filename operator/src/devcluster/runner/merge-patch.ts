/** The JSON merge patch (RFC 7386) between two documents, for "write only what changed". */
import { deepEqual, isObject, type Json } from '../core/json.js';

/**
 * The merge patch that turns `from` into `to`, or undefined when they are equal. Objects
 * are diffed key by key (a key missing from `to` becomes null, which deletes it); arrays
 * and scalars are replaced whole. `to` must contain no nulls: in a merge patch they delete.
 */
export function mergePatchBetween(from: Json | undefined, to: Json): Json | undefined {
  if (!isObject(from) || !isObject(to)) return deepEqual(from, to) ? undefined : to;
  const patch: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(to)) {
    const change = mergePatchBetween(from[key], value);
    if (change !== undefined) patch[key] = change;
  }
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  return Object.keys(patch).length === 0 ? undefined : patch;
}
