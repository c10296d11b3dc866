/**
 * The running program's own version, read from its package manifest: what the model
 * server's `GET /v2` reports and the tag of the operator's default model server image.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cached = new Map<string, string>();

/**
 * The version in the nearest `package.json` named `name` above this file; "unknown" if
 * there is none. Read once per name.
 */
export function packageVersion(name: string): string {
  const known = cached.get(name);
  if (known !== undefined) return known;
  let version = 'unknown';
  for (let directory = dirname(fileURLToPath(import.meta.url)); ;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === name && typeof manifest.version === 'string') {
        version = manifest.version;
        break;
      }
    } catch {
      // No readable package.json here: keep climbing.
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  cached.set(name, version);
  return version;
}
