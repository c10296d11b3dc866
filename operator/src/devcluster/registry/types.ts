import type { Json, JsonObject } from '../core/json.js';

/** One column of a `Table` response. `cell` computes the value for an object at `now`. */
export interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
  cell: (object: JsonObject, now: number) => Json;
}

/** What the server knows about one resource at one group/version. */
export interface ResourceType {
  group: string;
  version: string;
  /** Plural, lower case: the URL segment. */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  hasStatus: boolean;
  /** Field selector paths beyond `metadata.name` and `metadata.namespace`. */
  selectableFields: readonly string[];
  /** Table columns after NAME (built-ins) or the CRD's printer columns. */
  columns: readonly Column[];
  /** Whether PUT without metadata.resourceVersion is allowed (false for custom resources). */
  unconditionalUpdate: boolean;
  /** For kinds stored in another kind's form (events.k8s.io/v1 Event as core/v1). */
  conversion?: Conversion;
  /** Where the scale subresource reads and writes, when the resource has one. */
  scale?: ScalePaths;
  /** For custom resources: the structural schema of this version, if any. */
  schema?: JsonObject;
  /** For custom resources: the CRD that defines them. */
  crdName?: string;
  /** The verbs discovery lists (create-only for reviews). */
  verbs: readonly string[];
  /** For create-only review kinds: computes the answer to a POST; nothing is stored. */
  review?: Review;
}

/** Answers a review (SelfSubjectAccessReview, ...) posted as `body`. */
export type Review = (body: JsonObject) => JsonObject;

export const ALL_VERBS: readonly string[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** Where objects of a resource live, shared by every version of it. */
export function storageKey(type: Pick<ResourceType, 'group' | 'resource' | 'conversion'>): string {
  return type.conversion?.storage ?? `${type.group}/${type.resource}`;
}

/** Converts between a served form and the form another resource stores. */
export interface Conversion {
  /** The storage key of the resource whose form is stored. */
  storage: string;
  storageApiVersion: string;
  toStorage: (object: JsonObject) => JsonObject;
  fromStorage: (object: JsonObject) => JsonObject;
  /** Maps a field-selector path of the served form to the stored form. */
  fieldPath: (path: string) => string;
}

/** The object in the form it is stored in (identity for most resources). */
export function toStorage(type: ResourceType, object: JsonObject): JsonObject {
  return type.conversion === undefined ? object : type.conversion.toStorage(object);
}

/** JSONPath-like dotted paths (`.spec.replicas`) the scale subresource maps. */
export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}
