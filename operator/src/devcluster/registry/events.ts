/**
 * events.k8s.io/v1 Events share storage with core/v1 Events, as on a real cluster, so
 * `kubectl describe` (which reads core/v1) shows events however they were written.
 * Field renames follow the upstream conversion: regarding ↔ involvedObject,
 * note ↔ message, reportingController ↔ reportingComponent, deprecatedSource ↔ source,
 * deprecatedFirstTimestamp/LastTimestamp/Count ↔ firstTimestamp/lastTimestamp/count.
 */
import type { JsonObject } from '../core/json.js';
import type { Conversion } from './types.js';

const RENAMES: readonly (readonly [string, string])[] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

function rename(
  object: JsonObject,
  pairs: readonly (readonly [string, string])[],
  apiVersion: string,
): JsonObject {
  const result: JsonObject = {};
  const map = new Map(pairs);
  for (const [key, value] of Object.entries(object)) result[map.get(key) ?? key] = value;
  result['apiVersion'] = apiVersion;
  result['kind'] = 'Event';
  return result;
}

export const EVENTS_V1_CONVERSION: Conversion = {
  storage: '/events',
  storageApiVersion: 'v1',
  toStorage: (object) => rename(object, RENAMES, 'v1'),
  fromStorage: (object) =>
    rename(
      object,
      RENAMES.map(([served, stored]) => [stored, served] as const),
      'events.k8s.io/v1',
    ),
  fieldPath: (path) => {
    for (const [served, stored] of RENAMES) {
      if (path === served || path.startsWith(`${served}.`))
        return stored + path.slice(served.length);
    }
    return path;
  },
};
