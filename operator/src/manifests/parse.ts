/**
 * Reads YAML manifest files into documents that remember where every node came from,
 * so later checks can point at `file:line:col`.
 */

import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import type { ObjectIdentity, Position, Problem } from './problem.js';

export interface SourceFile {
  /** The path as it is shown to the user. */
  path: string;
  text: string;
}

/** One YAML document that holds a Kubernetes-shaped object. */
export interface ManifestDocument {
  file: string;
  /** 0-based index of the document within its file. */
  index: number;
  value: Record<string, unknown>;
  identity: ObjectIdentity;
  apiVersion: string;
  /** Position of the node at `path` (or of its nearest existing ancestor). */
  locate: (path: readonly (string | number)[], target?: 'key' | 'value') => Position;
}

export interface ParsedFile {
  documents: ManifestDocument[];
  problems: Problem[];
}

export function parseManifestFile(source: SourceFile): ParsedFile {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(source.text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problems: Problem[] = [];
  const documents: ManifestDocument[] = [];
  const yamlDocuments = Array.isArray(parsed) ? parsed : [parsed];

  for (const [index, document] of yamlDocuments.entries()) {
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        problems.push({
          file: source.path,
          ...position(error.pos[0]),
          severity: 'error',
          message: `YAML syntax error: ${firstLine(error.message)}`,
        });
      }
      continue;
    }
    const root = document.contents;
    if (root === null || (isScalar(root) && root.value === null)) continue; // empty document
    const at = position(root.range[0]);
    if (!isMap(root)) {
      problems.push({
        file: source.path,
        ...at,
        severity: 'error',
        message: 'document is not a Kubernetes object: expected a mapping with apiVersion and kind',
      });
      continue;
    }
    const value = document.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
    const apiVersion = value.apiVersion;
    const kind = value.kind;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      const missing = typeof apiVersion !== 'string' ? 'apiVersion' : 'kind';
      problems.push({
        file: source.path,
        ...at,
        severity: 'error',
        field: `.${missing}`,
        message: `Required value: every object needs a string ${missing}`,
      });
      continue;
    }
    documents.push({
      file: source.path,
      index,
      value,
      apiVersion,
      identity: identityOf(kind, value.metadata),
      locate: (path, target = 'value') => position(locateOffset(document, path, target)),
    });
  }

  if (documents.length === 0 && problems.length === 0) {
    problems.push({
      file: source.path,
      line: 1,
      column: 1,
      severity: 'error',
      message: 'file holds no Kubernetes objects',
    });
  }
  return { documents, problems };
}

function identityOf(kind: string, metadata: unknown): ObjectIdentity {
  const meta =
    typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
  const name = typeof meta.name === 'string' ? meta.name : '<unnamed>';
  return typeof meta.namespace === 'string'
    ? { kind, name, namespace: meta.namespace }
    : { kind, name };
}

/**
 * Offset of the node at `path`: its key when `target` is `key` and the node is a mapping
 * entry, else its value. Stops at the deepest node that exists.
 */
function locateOffset(
  document: Document.Parsed,
  path: readonly (string | number)[],
  target: 'key' | 'value',
): number {
  const start = (node: Node | null | undefined): number | undefined => node?.range?.[0];
  let current: Node | null = document.contents;
  let offset = start(current) ?? 0;
  for (const [depth, segment] of path.entries()) {
    const last = depth === path.length - 1;
    if (isMap(current)) {
      const pair = current.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) return offset;
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      if (last && target === 'key') return start(key) ?? offset;
      current = value;
      offset = start(value) ?? start(key) ?? offset;
    } else if (isSeq(current) && typeof segment === 'number') {
      const item = current.items[segment] as Node | undefined;
      if (item === undefined) return offset;
      current = item;
      offset = start(item) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
