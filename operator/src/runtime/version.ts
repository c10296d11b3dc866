/**
 * The running program's own package: its version, read from its package manifest (what
 * the model server's `GET /v2` reports and the tag of the operator's default model server
 * image), and its folder (where the files it ships, such as examples, are).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Found {
  directory: string | undefined;
  version: string;
}

const cached = new Map<string, Found>();

/** The nearest folder above this file whose `package.json` is named `name`, and its version. Read once per name. */
function findPackage(name: string): Found {
  const known = cached.get(name);
  if (known !== undefined) return known;
  let found: Found = { directory: undefined, version: 'unknown' };
  for (let directory = dirname(fileURLToPath(import.meta.url)); ;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === name) {
        found = {
          directory,
          version: typeof manifest.version === 'string' ? manifest.version : 'unknown',
        };
        break;
      }
    } catch {
      // No readable package.json here: keep climbing.
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  cached.set(name, found);
  return found;
}

/** The version in the nearest `package.json` named `name` above this file; "unknown" if there is none. */
export function packageVersion(name: string): string {
  return findPackage(name).version;
}

/** The folder of the nearest `package.json` named `name` above this file; throws if there is none. */
export function packageDirectory(name: string): string {
  const directory = findPackage(name).directory;
  if (directory === undefined) throw new Error(`no package.json named ${name} above this program`);
  return directory;
}
