/**
 * Reads YAML manifest files into documents that remember where every node came from,
 * so later checks can point at `file:line:col`.
 */

import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { ObjectIdentity, Position, Problem } from './problem.js';
import { composeDocuments, duplicateKeys, TokenBudgetExceeded } from './yaml-stream.js';

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

/** Alias dereferences allowed per document before it counts as a resource exhaustion attack. */
const MAX_ALIAS_COUNT = 100;
/**
 * YAML tokens allowed per byte of the file-size limit. Manifests run at about 0.17 tokens a
 * byte; the syntax tree costs a few hundred bytes per token, so this bounds memory too.
 */
export const TOKENS_PER_BYTE = 0.25;
/** The file-size limit {@link parseManifestFile} assumes unless told otherwise. */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
/** Longest message taken from the YAML parser; binary input can make them arbitrarily long. */
const MAX_MESSAGE_LENGTH = 200;

/**
 * Parses every document of one file. Never throws: syntax errors, duplicate keys, alias
 * bombs, documents that are not objects and files of more than `maxFileSize` ×
 * {@link TOKENS_PER_BYTE} tokens become problems with the position they start at. Work is
 * linear in the size of the text.
 */
export function parseManifestFile(
  source: SourceFile,
  maxFileSize: number = DEFAULT_MAX_FILE_SIZE,
): ParsedFile {
  const lineCounter = new LineCounter();
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problems: Problem[] = [];
  const documents: ManifestDocument[] = [];
  let yamlDocuments: Document.Parsed[];
  try {
    yamlDocuments = composeDocuments(
      source.text,
      lineCounter,
      Math.ceil(maxFileSize * TOKENS_PER_BYTE),
    );
  } catch (error) {
    if (!(error instanceof TokenBudgetExceeded)) throw error;
    problems.push({
      file: source.path,
      line: 1,
      column: 1,
      severity: 'error',
      message: `YAML error: the file holds ${error.message}, more than its size limit allows (${TOKENS_PER_BYTE} a byte); nothing in it was checked`,
    });
    return { documents, problems };
  }

  for (const [index, document] of yamlDocuments.entries()) {
    const problemsBefore = problems.length;
    for (const duplicate of duplicateKeys(document)) {
      problems.push({
        file: source.path,
        ...position(duplicate.offset),
        severity: 'error',
        message: `YAML syntax error: Map keys must be unique: "${shorten(duplicate.key)}" is already a key of this mapping`,
      });
    }
    if (document.errors.length > 0 || problems.length > problemsBefore) {
      for (const error of document.errors) {
        problems.push({
          file: source.path,
          ...position(skipSpaces(source.text, error.pos[0])),
          severity: 'error',
          message:
            error.code === 'RESOURCE_EXHAUSTION'
              ? `YAML error: the document is nested too deeply or expands too far (${shorten(firstLine(error.message))})`
              : `YAML syntax error: ${shorten(firstLine(error.message))}`,
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
    let value: Record<string, unknown>;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
    } catch (error) {
      // The yaml package refuses documents whose aliases expand past maxAliasCount
      // ("billion laughs"); report that like any other problem with the document.
      problems.push({
        file: source.path,
        ...at,
        severity: 'error',
        message: `YAML error: the document is nested too deeply or expands too far (${error instanceof Error ? error.message : String(error)})`,
      });
      continue;
    }
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
      const pair = pairsByKey(current).get(String(segment));
      if (pair === undefined) return offset;
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      if (last && target === 'key') return start(key) ?? offset;
      current = value;
      // An empty value (`spec:` and nothing after it) is best shown at its key.
      offset = (isEmptyScalar(value) ? undefined : start(value)) ?? start(key) ?? offset;
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

const keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

/** A mapping's entries by scalar key (the first of repeated ones), built once per mapping. */
function pairsByKey(map: YAMLMap): Map<string, Pair> {
  let index = keyIndexes.get(map);
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && !index.has(key)) index.set(key, pair);
    }
    keyIndexes.set(map, index);
  }
  return index;
}

function isEmptyScalar(node: Node | null): boolean {
  return isScalar(node) && node.value === null && node.source === '';
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function shorten(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH
    ? message
    : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

/**
 * The yaml package places some indentation errors at the start of the line; move to the
 * first character that is not a space on that line, where the misplaced item begins.
 */
function skipSpaces(text: string, offset: number): number {
  let at = offset;
  while (text[at] === ' ') at += 1;
  return text[at] === '\n' || at >= text.length ? offset : at;
}
