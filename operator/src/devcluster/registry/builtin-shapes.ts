/**
 * The field structure of the built-in kinds, as a structural schema for pruning: which
 * fields exist at every depth, so unknown ones can be dropped and reported as a real
 * server's decoder does. Built from @kubernetes/client-node's models, which are generated
 * from the Kubernetes OpenAPI (each model's attribute type map names its fields and their
 * types), rather than typed here by hand.
 */
import * as models from '@kubernetes/client-node';
import type { JsonObject } from '../core/json.js';

export interface Attribute {
  /** The TypeScript property name; `baseName` is the JSON one. */
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface Model {
  getAttributeTypeMap: () => Attribute[];
}

const OPEN: JsonObject = { 'x-kubernetes-preserve-unknown-fields': true };
const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

function modelNamed(name: string): Model | undefined {
  const candidate = (models as unknown as Record<string, unknown>)[name];
  if (typeof candidate !== 'function') return undefined;
  const map = (candidate as Partial<Model>).getAttributeTypeMap;
  return typeof map === 'function' ? (candidate as unknown as Model) : undefined;
}

/** The attribute type map of the client-node model `name`, or undefined when there is none. */
export function modelAttributes(name: string): Attribute[] | undefined {
  return modelNamed(name)?.getAttributeTypeMap();
}

/** Shapes are shared per model name, so recursive models (JSONSchemaProps) stay finite. */
function shapeOf(type: string, format: string, built: Map<string, JsonObject>): JsonObject {
  const array = ARRAY.exec(type);
  if (array !== null) return { type: 'array', items: shapeOf(array[1] ?? 'any', '', built) };
  const map = MAP.exec(type);
  if (map !== null) {
    return { type: 'object', additionalProperties: shapeOf(map[1] ?? 'any', '', built) };
  }
  if (type === 'IntOrString') return { 'x-kubernetes-int-or-string': true };
  if (type === 'string' || type === 'Date' || format.startsWith('date-time'))
    return { type: 'string' };
  if (type === 'number' || type === 'boolean') return { type };
  const model = modelNamed(type);
  if (model === undefined) return OPEN;
  const known = built.get(type);
  if (known !== undefined) return known;
  const properties: JsonObject = {};
  const shape: JsonObject = { type: 'object', properties };
  built.set(type, shape);
  for (const attribute of model.getAttributeTypeMap())
    properties[attribute.baseName] = shapeOf(attribute.type, attribute.format, built);
  return shape;
}

function pascal(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The client-node model names a kind may have: `CoreV1Event` and `EventsV1Event` where
 * two groups share a kind name, `V1Deployment` otherwise.
 */
function modelNames(group: string, version: string, kind: string): string[] {
  const label = group === '' ? 'core' : (group.split('.')[0] ?? '');
  return [`${pascal(label)}${pascal(version)}${kind}`, `${pascal(version)}${kind}`];
}

/** The client-node model of a built-in kind, or undefined when it has none. */
export function modelNameOf(group: string, version: string, kind: string): string | undefined {
  return modelNames(group, version, kind).find((candidate) => modelNamed(candidate) !== undefined);
}

const cache = new Map<string, JsonObject | undefined>();

/** The pruning shape of a built-in kind, or undefined when client-node has no model for it. */
export function builtinShape(group: string, version: string, kind: string): JsonObject | undefined {
  const key = `${group}/${version}/${kind}`;
  if (cache.has(key)) return cache.get(key);
  const name = modelNameOf(group, version, kind);
  const shape = name === undefined ? undefined : shapeOf(name, '', new Map());
  cache.set(key, shape);
  return shape;
}
