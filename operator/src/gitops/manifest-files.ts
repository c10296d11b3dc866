/**
 * Reads the manifest files of one commit from a `TreeSource`. Blob contents are kept
 * between reads (a blob never changes), so a commit that changes one file costs one blob
 * read; the cache holds only the blobs of the last tree read.
 */

import type { SourceFile } from '../manifests/parse.js';
import { isManifestPath } from '../manifests/paths.js';
import type { TreeSource } from './source.js';

export class ManifestReader {
  private contents = new Map<string, string>();

  constructor(private readonly source: TreeSource) {}

  /** Every manifest under `path` at `commit`, with paths from the repository's root, in path order. */
  async read(commit: string, path: string): Promise<SourceFile[]> {
    const entries = (await this.source.tree(commit, path)).filter((entry) =>
      isManifestPath(entry.path),
    );
    const missing = [
      ...new Set(entries.map((entry) => entry.objectId).filter((id) => !this.contents.has(id))),
    ];
    const fetched = await this.source.blobs(missing);
    const contents = new Map<string, string>();
    const files: SourceFile[] = [];
    for (const entry of entries) {
      const text =
        this.contents.get(entry.objectId) ?? fetched.get(entry.objectId)?.toString('utf8');
      if (text === undefined)
        throw new Error(`blob ${entry.objectId} of ${entry.path} was not read`);
      contents.set(entry.objectId, text);
      files.push({ path: entry.path, text });
    }
    this.contents = contents;
    return files;
  }
}
