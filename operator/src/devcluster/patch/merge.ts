/**
 * JSON merge patch (RFC 7386): objects merge key by key, `null` deletes a key, and any
 * other value (arrays included) replaces the target. Inputs are not mutated.
 */
import { isObject, type Json, removeKey } from '../core/json.js';

export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const result = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) removeKey(result, key);
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
