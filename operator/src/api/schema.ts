/**
 * A small builder for Kubernetes structural schemas (OpenAPI v3, as apiextensions.k8s.io/v1
 * accepts them) that carries the TypeScript type of each node alongside its JSON form.
 *
 * Contract:
 * - every node has a `type` (or is int-or-string / preserve-unknown, as structural schemas
 *   allow) and a non-empty `description`, by construction, so `kubectl explain` is useful
 *   on every field;
 * - objects declare their properties explicitly; open maps use `map()`; arbitrary JSON is
 *   only reachable through `json()` and marks itself with x-kubernetes-preserve-unknown-fields;
 * - `Infer<S>` is the type of a value that satisfies S (optional properties are those not
 *   listed in `required`, even when they have a default: a value read back from the API
 *   server has been defaulted, one read from git has not).
 */

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that Ferry emits. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  anyOf?: JSONSchemaProps[];
  enum?: JsonValue[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  default?: JsonValue;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'granular' | 'atomic';
}

declare const inferred: unique symbol;

/** A schema node whose valid values have type T. */
export interface Schema<T> {
  readonly json: JSONSchemaProps;
  /** Phantom: never present at run time, only carries T for `Infer`. */
  readonly [inferred]?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

interface Defaultable<T> {
  default?: T;
}

export interface StringOptions extends Defaultable<string> {
  pattern?: string;
  format?: 'date-time' | 'uri' | 'byte';
  minLength?: number;
  maxLength?: number;
}

export interface NumberOptions extends Defaultable<number> {
  minimum?: number;
  maximum?: number;
}

export interface ArrayOptions {
  minItems?: number;
  maxItems?: number;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: readonly string[];
}

export interface ObjectOptions<R extends string> {
  required?: readonly R[];
  minProperties?: number;
  default?: Record<string, JsonValue>;
}

function node<T>(json: JSONSchemaProps): Schema<T> {
  if (json.description === undefined || json.description.trim() === '') {
    throw new Error('schema node without a description');
  }
  return { json };
}

function withoutUndefined(record: Record<string, unknown>): JSONSchemaProps {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

export function string(description: string, options: StringOptions = {}): Schema<string> {
  return node(withoutUndefined({ type: 'string', description, ...options }));
}

/** A string restricted to `values`; its type is their union. */
export function enumeration<const V extends readonly string[]>(
  description: string,
  values: V,
  options: Defaultable<V[number]> = {},
): Schema<V[number]> {
  return node(withoutUndefined({ type: 'string', description, enum: [...values], ...options }));
}

export function integer(description: string, options: NumberOptions = {}): Schema<number> {
  return node(withoutUndefined({ type: 'integer', description, ...options }));
}

export function number(description: string, options: NumberOptions = {}): Schema<number> {
  return node(withoutUndefined({ type: 'number', description, ...options }));
}

export function boolean(description: string, options: Defaultable<boolean> = {}): Schema<boolean> {
  return node(withoutUndefined({ type: 'boolean', description, ...options }));
}

/** An RFC 3339 timestamp, as metav1.Time serialises. */
export function timestamp(description: string): Schema<string> {
  return string(description, { format: 'date-time' });
}

/** A Go duration string such as `90s`, `5m` or `1h30m`, as Kubernetes and Flux write them. */
export function duration(description: string, options: Defaultable<string> = {}): Schema<string> {
  return string(description, { pattern: DURATION_PATTERN, ...options });
}

export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';

/** A resource.Quantity (`500m`, `2Gi`, `4`), as Kubernetes' own CRDs declare it. */
export function quantity(description: string): Schema<string | number> {
  return node({
    description,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    'x-kubernetes-int-or-string': true,
  });
}

export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

export function array<T>(
  description: string,
  items: Schema<T>,
  options: ArrayOptions = {},
): Schema<T[]> {
  const { listType, listMapKeys, ...bounds } = options;
  return node(
    withoutUndefined({
      type: 'array',
      description,
      items: items.json,
      ...bounds,
      'x-kubernetes-list-type': listType,
      'x-kubernetes-list-map-keys': listMapKeys === undefined ? undefined : [...listMapKeys],
    }),
  );
}

/** An open map from string keys to values of one schema (labels, metrics). */
export function map<T>(description: string, values: Schema<T>): Schema<Record<string, T>> {
  return node({ type: 'object', description, additionalProperties: values.json });
}

/** Any JSON value; the API server keeps it as written (x-kubernetes-preserve-unknown-fields). */
export function json(description: string): Schema<JsonValue> {
  return node({ description, 'x-kubernetes-preserve-unknown-fields': true });
}

type Properties = Record<string, Schema<unknown>>;

export type ObjectOf<P extends Properties, R extends keyof P> = Simplify<
  { [K in R]: Infer<P[K]> } & { [K in Exclude<keyof P, R>]?: Infer<P[K]> }
>;

export function object<P extends Properties, const R extends keyof P & string = never>(
  description: string,
  properties: P,
  options: ObjectOptions<R> = {},
): Schema<ObjectOf<P, R>> {
  const { required, ...rest } = options;
  return node(
    withoutUndefined({
      type: 'object',
      description,
      properties: Object.fromEntries(
        Object.entries(properties).map(([name, schema]) => [name, schema.json]),
      ),
      required: required === undefined || required.length === 0 ? undefined : [...required],
      ...rest,
    }),
  );
}

/** The same schema with another description, for reusing a shape under a new field. */
export function describe<T>(schema: Schema<T>, description: string): Schema<T> {
  return node({ ...schema.json, description });
}

/**
 * Fills the defaults of an object schema's top-level properties that `value` leaves out,
 * as the API server's defaulting would have. For code reading an object whose parent field
 * was absent, so its own defaults never applied: `withDefaults(schema, spec.x ?? {})`.
 */
export function withDefaults<T extends object>(schema: Schema<T>, value: T): T {
  const filled: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [name, property] of Object.entries(schema.json.properties ?? {})) {
    if (filled[name] === undefined && property.default !== undefined)
      filled[name] = property.default;
  }
  return filled as T;
}
