/**
 * Ferry's own version: what the model server's `GET /v2` reports and the tag of the
 * operator's default model server image.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The version in the nearest `package.json` named "ferry" above this file; "unknown" if none. */
export function ferryVersion(): string {
  if (cached !== undefined) return cached;
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === 'ferry' && typeof manifest.version === 'string') {
        cached = manifest.version;
        return cached;
      }
    } catch {
      // No readable package.json here: keep climbing.
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  cached = 'unknown';
  return cached;
}
