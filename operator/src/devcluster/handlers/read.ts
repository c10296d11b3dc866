/** GET of one object and lists: selectors, limit/continue, and the requested rendering. */
import { badRequest, ApiError, notFound } from '../core/errors.js';
import { getPath, isObject, type JsonObject } from '../core/json.js';
import { apiVersionOf, storageKey, type ResourceType } from '../registry/types.js';
import { matchesFields, parseFieldSelector, type FieldSelector } from '../select/fields.js';
import { matchesLabels, parseLabelSelector, type LabelSelector } from '../select/labels.js';
import { partialMetadata, toTable, type IncludeObject } from '../table/table.js';
import type { Entry } from '../storage/store.js';
import type { Cluster } from './cluster.js';

/** How the client asked to see objects (from the Accept header). */
export type Rendering = 'object' | 'table' | 'metadata';

export function renderingOf(accept: string | undefined): Rendering {
  const text = accept ?? '';
  const first = text.split(',')[0] ?? '';
  if (first.includes('as=Table')) return 'table';
  if (first.includes('as=PartialObjectMetadata')) return 'metadata';
  return 'object';
}

export interface Selection {
  labels: LabelSelector;
  fields: FieldSelector;
}

/** Parses `labelSelector` and `fieldSelector`; unsupported field paths are 400. */
export function selectionOf(type: ResourceType, query: URLSearchParams): Selection {
  try {
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    const fields = parseFieldSelector(query.get('fieldSelector') ?? '');
    for (const field of fields) {
      const allowed =
        field.path === 'metadata.name' ||
        field.path === 'metadata.namespace' ||
        type.selectableFields.includes(field.path);
      if (!allowed) throw new Error(`field label not supported: ${field.path}`);
    }
    const mapped = fields.map((field) => ({
      ...field,
      path: type.conversion?.fieldPath(field.path) ?? field.path,
    }));
    return { labels, fields: mapped };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest(`unable to parse requirement: ${(error as Error).message}`);
  }
}

export function selects(selection: Selection, object: JsonObject): boolean {
  const labels = getPath(object, ['metadata', 'labels']);
  return (
    matchesLabels(selection.labels, isObject(labels) ? labels : {}) &&
    matchesFields(selection.fields, object)
  );
}

/** The object as served at `type`'s version (objects are stored once for all versions). */
export function served(type: ResourceType, object: JsonObject): JsonObject {
  if (type.conversion !== undefined) return type.conversion.fromStorage(object);
  const apiVersion = apiVersionOf(type);
  return object['apiVersion'] === apiVersion ? object : { ...object, apiVersion };
}

export function render(
  type: ResourceType,
  object: JsonObject,
  rendering: Rendering,
  now: number,
  include: IncludeObject,
): JsonObject {
  if (rendering === 'table') return toTable(type.columns, [object], now, include, {});
  if (rendering === 'metadata') return partialMetadata(object);
  return served(type, object);
}

/** The stored object `name` (in `namespace`, ignored for cluster-scoped types), if any. */
export function findOne(
  cluster: Cluster,
  type: ResourceType,
  namespace: string,
  name: string,
): JsonObject | undefined {
  return cluster.store.get(storageKey(type), type.namespaced ? namespace : '', name);
}

/** The stored object `name`, or 404. */
export function getOne(
  cluster: Cluster,
  type: ResourceType,
  namespace: string,
  name: string,
): JsonObject {
  const found = findOne(cluster, type, namespace, name);
  if (found === undefined) throw notFound(type, name);
  return found;
}

interface Continue {
  rv: number;
  after: string;
}

function decodeContinue(token: string): Continue {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      isObject(parsed) &&
      typeof parsed['rv'] === 'number' &&
      typeof parsed['after'] === 'string'
    ) {
      return { rv: parsed['rv'], after: parsed['after'] };
    }
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/**
 * Whether the stored object `entry` is selected; its text is parsed only for field
 * selectors.
 */
function selectsEntry(selection: Selection, entry: Entry): boolean {
  return (
    matchesLabels(selection.labels, entry.labels) &&
    (selection.fields.length === 0 ||
      matchesFields(selection.fields, JSON.parse(entry.text) as JsonObject))
  );
}

/**
 * The list of `items` as `JSON.stringify` gives it, with each item served as stored spliced
 * in as its stored text rather than serialised again.
 */
function listText(head: JsonObject, type: ResourceType, items: readonly Entry[]): string {
  const texts = items.map(({ text }) => {
    const object = JSON.parse(text) as JsonObject;
    const shown = served(type, object);
    return shown === object ? text : JSON.stringify(shown);
  });
  return `${JSON.stringify(head).slice(0, -1)},"items":[${texts.join(',')}]}`;
}

/** A list response body (JSON text). `namespace` undefined lists across namespaces. */
export function list(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
  rendering: Rendering,
  include: IncludeObject,
): string {
  const selection = selectionOf(type, query);
  const all = cluster.store.entries(storageKey(type), type.namespaced ? namespace : undefined);
  let items = all.filter((entry) => selectsEntry(selection, entry));
  const token = query.get('continue');
  if (token !== null && token !== '') {
    const { after } = decodeContinue(token);
    items = items.filter((entry) => entry.key > after);
  }
  const limit = Number(query.get('limit') ?? '0');
  const metadata: JsonObject = { resourceVersion: String(cluster.store.resourceVersion) };
  if (Number.isInteger(limit) && limit > 0 && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    const last = items[items.length - 1];
    if (last !== undefined) {
      const next: Continue = { rv: cluster.store.resourceVersion, after: last.key };
      metadata['continue'] = Buffer.from(JSON.stringify(next)).toString('base64url');
      metadata['remainingItemCount'] = remaining;
    }
  }
  const objects = (): JsonObject[] => items.map(({ text }) => JSON.parse(text) as JsonObject);
  if (rendering === 'table')
    return JSON.stringify(toTable(type.columns, objects(), cluster.now(), include, metadata));
  if (rendering === 'metadata') {
    return JSON.stringify({
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata,
      items: objects().map(partialMetadata),
    });
  }
  return listText({ kind: type.listKind, apiVersion: apiVersionOf(type), metadata }, type, items);
}
