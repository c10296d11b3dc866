/** Writing an object's status the way every part of the runner does: only what changed. */
import { ApiError, type ApiClient } from './api.js';
import type { JsonObject } from './json.js';
import { mergePatchBetween } from './merge-patch.js';
import type { Reflector } from './reflector.js';

/**
 * Merge-patches `<path>/status` with what turns `previous` into `wanted`, when they differ,
 * and records the server's answer in `cache`. An object that is gone (404) is left alone.
 */
export async function writeStatus(
  api: ApiClient,
  cache: Reflector,
  path: string,
  previous: JsonObject,
  wanted: JsonObject,
): Promise<void> {
  const patch = mergePatchBetween(previous, wanted);
  if (patch === undefined) return;
  try {
    cache.observe(await api.mergePatchBetween(`${path}/status`, { status: patch }));
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 404)) throw error;
  }
}
