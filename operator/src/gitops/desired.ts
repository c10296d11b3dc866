/**
 * The objects a commit declares, as the sync applies them: each carries the label
 * `ferry.dev/managed-by: gitops`, the annotation `ferry.dev/git-path` (file and document
 * index), and `ferry.dev/applied-hash`, the sha256 of everything else it declares, so an
 * object whose manifest did not change since it was last applied need not be applied again.
 * `ferry.dev/git-commit` is added when the object is applied.
 */

import { createHash } from 'node:crypto';
import { Labels } from '../api/index.js';
import type { ManifestDocument } from '../manifests/parse.js';
import { formatGitPath } from './git-path.js';

/** The value of `ferry.dev/managed-by` on every object the sync applies. */
export const MANAGED_BY_GITOPS = 'gitops';

/** Identifies an object across API versions of its kind: `namespace` is absent when the manifest omits it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface DesiredObject extends ObjectRef {
  /** `ferry.dev/git-path`: `file#index`. */
  gitPath: string;
  /** The object as applied, without `ferry.dev/git-commit`. */
  body: Record<string, unknown>;
  /** `ferry.dev/applied-hash`. */
  hash: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with keys in sorted order at every level, so equal objects hash equally. */
function canonicalJson(value: unknown): string {
  const sorted = (node: unknown): Json => {
    if (Array.isArray(node)) return node.map(sorted);
    if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries.map(([key, field]) => [key, sorted(field)]));
    }
    return node as Json;
  };
  return JSON.stringify(sorted(value));
}

function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

export function desiredObject(document: ManifestDocument): DesiredObject {
  const value = structuredClone(document.value);
  const metadata =
    typeof value.metadata === 'object' && value.metadata !== null
      ? (value.metadata as Record<string, unknown>)
      : {};
  const gitPath = formatGitPath({ file: document.file, index: document.index });
  const labels = { ...stringMap(metadata.labels), [Labels.managedBy]: MANAGED_BY_GITOPS };
  // What the sync stamps itself is never taken from the manifest.
  const stamped = new Set<string>([Labels.gitCommit, Labels.appliedHash]);
  const annotations: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(stringMap(metadata.annotations)).filter(([key]) => !stamped.has(key)),
    ),
    [Labels.gitPath]: gitPath,
  };
  const unhashed = { ...value, metadata: { ...metadata, labels, annotations } };
  const hash = createHash('sha256').update(canonicalJson(unhashed)).digest('hex');
  const body = {
    ...unhashed,
    metadata: { ...metadata, labels, annotations: { ...annotations, [Labels.appliedHash]: hash } },
  };
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  return {
    apiVersion: document.apiVersion,
    kind: document.identity.kind,
    ...(namespace === undefined ? {} : { namespace }),
    name: document.identity.name,
    gitPath,
    body,
    hash,
  };
}
