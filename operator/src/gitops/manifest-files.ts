/**
 * Reads and checks the manifest files of one commit from a `TreeSource`. A file's checks
 * (parse and schema) and its desired objects are kept between reads, keyed by path and blob
 * id (a blob never changes), so a commit that changes one file costs one blob read and one
 * file's checks; the cache holds only the files of the last tree read.
 */

import { isManifestPath } from '../manifests/paths.js';
import { checkFile, type CheckedFile } from '../manifests/validate.js';
import { desiredObject, type DesiredObject } from './desired.js';
import type { TreeSource } from './source.js';

export interface ReadManifest {
  /** Path from the repository's root. */
  path: string;
  checked: CheckedFile;
  /** Its objects as the sync would apply them (meaningful only when the whole set is valid). */
  desired: DesiredObject[];
}

export class ManifestReader {
  private files = new Map<string, ReadManifest>();

  constructor(private readonly source: TreeSource) {}

  /** Every manifest under `path` at `commit`, in path order. */
  async read(commit: string, path: string): Promise<ReadManifest[]> {
    const entries = (await this.source.tree(commit, path))
      .filter((entry) => isManifestPath(entry.path))
      .map((entry) => ({ ...entry, key: `${entry.objectId}:${entry.path}` }));
    const missing = entries.filter((entry) => !this.files.has(entry.key));
    const blobs = await this.source.blobs([...new Set(missing.map((entry) => entry.objectId))]);
    const files = new Map<string, ReadManifest>();
    for (const entry of entries) {
      let file = this.files.get(entry.key);
      if (file === undefined) {
        const blob = blobs.get(entry.objectId);
        if (blob === undefined)
          throw new Error(`blob ${entry.objectId} of ${entry.path} was not read`);
        const checked = checkFile({ path: entry.path, text: blob.toString('utf8') });
        file = { path: entry.path, checked, desired: checked.documents.map(desiredObject) };
      }
      files.set(entry.key, file);
    }
    this.files = files;
    return [...files.values()];
  }
}
