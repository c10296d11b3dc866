/**
 * Finding the manifest that declares an object in a committed tree: first where its
 * `ferry.dev/git-path` annotation says (`<file>#<document index>`, written when Ferry
 * synced it), else by searching every YAML file for a document of that kind, namespace
 * and name (when Flux or Argo CD applied it).
 */

import { parseAllDocuments, type Document } from 'yaml';
import { documentDeclares, type DocumentLocator } from './yaml-edit.js';
import type { CommittedFile } from './repository.js';

export interface ObjectIdentity {
  kind: string;
  namespace: string;
  name: string;
}

/** The file and document index an annotation value names, or undefined if malformed. */
export function parseGitPath(value: string): { path: string; index?: number } | undefined {
  const match = /^(.+?)(?:#(\d+))?$/.exec(value.trim());
  const path = match?.[1]?.replace(/^\.?\//, '');
  if (path === undefined || path === '') return undefined;
  return match?.[2] === undefined ? { path } : { path, index: Number(match[2]) };
}

export interface FoundManifest {
  file: CommittedFile;
  text: string;
  locator: DocumentLocator;
}

function declaringIndex(text: string, identity: ObjectIdentity): number | undefined {
  const documents: readonly Document.Parsed[] = parseAllDocuments(text);
  const indexes = documents.flatMap((document, index) =>
    documentDeclares(document, identity) ? [index] : [],
  );
  return indexes.length === 1 ? indexes[0] : undefined;
}

const YAML_FILE = /\.ya?ml$/i;

/**
 * The one document that declares `identity`, searching the annotated file first; undefined
 * when no document, or more than one, declares it.
 */
export async function findManifest(
  files: readonly CommittedFile[],
  read: (file: CommittedFile) => Promise<string>,
  identity: ObjectIdentity,
  gitPath: string | undefined,
): Promise<FoundManifest | undefined> {
  const hinted = gitPath === undefined ? undefined : parseGitPath(gitPath);
  const annotated = files.find((file) => file.path === hinted?.path);
  if (annotated !== undefined) {
    const text = await read(annotated);
    const index = declaringIndex(text, identity);
    if (index !== undefined) return { file: annotated, text, locator: index };
  }
  const found: FoundManifest[] = [];
  for (const file of files) {
    if (!YAML_FILE.test(file.path) || file === annotated) continue;
    const text = await read(file);
    if (!text.includes(identity.name)) continue;
    const index = declaringIndex(text, identity);
    if (index !== undefined) found.push({ file, text, locator: index });
  }
  return found.length === 1 ? found[0] : undefined;
}
