/**
 * Custom resource schema handling, as the apiserver does it for a structural
 * `openAPIV3Schema`: pruning of unknown fields, defaulting, and validation. Field paths
 * use the apiserver's form (`spec.steps[0].weight`). CEL rules
 * (`x-kubernetes-validations`) are not evaluated.
 */
import { appendAll } from '../core/append.js';
import {
  canonicalJson,
  clone,
  deepEqual,
  isObject,
  type Json,
  type JsonObject,
  removeKey,
} from '../core/json.js';
import type { Cause } from '../core/errors.js';

export type Schema = JsonObject;

function child(schema: Schema, key: string): Schema | undefined {
  const value = schema[key];
  return isObject(value) ? value : undefined;
}

function preserves(schema: Schema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Removes fields the schema does not know, in place, and returns their paths. At the
 * root, `apiVersion`, `kind` and `metadata` are always kept.
 */
export function prune(value: Json, schema: Schema, path = '', root = true): string[] {
  const unknown: string[] = [];
  if (Array.isArray(value)) {
    const items = child(schema, 'items');
    if (items !== undefined) {
      value.forEach((item, index) => {
        appendAll(unknown, prune(item, items, `${path}[${index}]`, false));
      });
    }
    return unknown;
  }
  if (!isObject(value)) return unknown;
  const properties = child(schema, 'properties');
  const additional = schema['additionalProperties'];
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (field === undefined) continue;
    if ((root || embedded) && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) {
      continue;
    }
    const known = properties !== undefined ? child(properties, key) : undefined;
    if (known !== undefined) appendAll(unknown, prune(field, known, join(path, key), false));
    else if (isObject(additional))
      appendAll(unknown, prune(field, additional, join(path, key), false));
    else if (additional === true || preserves(schema)) continue;
    else {
      removeKey(value, key);
      unknown.push(join(path, key));
    }
  }
  return unknown;
}

/** Fills in `default`s for missing properties, in place, depth first. */
export function applyDefaults(value: Json, schema: Schema): void {
  if (Array.isArray(value)) {
    const items = child(schema, 'items');
    if (items !== undefined) for (const item of value) applyDefaults(item, items);
    return;
  }
  if (!isObject(value)) return;
  const properties = child(schema, 'properties');
  if (properties !== undefined) {
    for (const [key, propertySchema] of Object.entries(properties)) {
      if (!isObject(propertySchema)) continue;
      const fallback = propertySchema['default'];
      if (value[key] === undefined && fallback !== undefined) value[key] = clone(fallback);
      const field = value[key];
      if (field !== undefined) applyDefaults(field, propertySchema);
    }
  }
  const additional = child(schema, 'additionalProperties');
  if (additional !== undefined) {
    for (const [key, field] of Object.entries(value)) {
      if (properties !== undefined && key in properties) continue;
      applyDefaults(field, additional);
    }
  }
}

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function show(value: Json): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (isObject(value) || Array.isArray(value)) return `"${typeOf(value)}"`;
  return JSON.stringify(String(value));
}

function invalidCause(path: string, value: Json, detail: string): Cause {
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${show(value)}: ${detail}`,
    field: path,
  };
}

function typeMatches(type: string, value: Json): boolean {
  const actual = typeOf(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return actual === type;
}

/** Validates `value` against `schema`; returns every problem found. */
export function validate(value: Json, schema: Schema, path = ''): Cause[] {
  const causes: Cause[] = [];
  const where = path === '' ? '<root>' : path;
  if (value === null) {
    if (schema['nullable'] === true || schema['type'] === undefined) return causes;
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      causes.push(invalidCause(path, value, `${where} in body must be of type integer-or-string`));
      return causes;
    }
  } else if (typeof schema['type'] === 'string' && !typeMatches(schema['type'], value)) {
    causes.push(
      invalidCause(
        path,
        value,
        `${where} in body must be of type ${schema['type']}: "${typeOf(value)}"`,
      ),
    );
    return causes;
  }
  const allowed = schema['enum'];
  if (Array.isArray(allowed) && !allowed.some((option) => deepEqual(option, value))) {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${show(value)}: supported values: ${allowed.map((option) => show(option)).join(', ')}`,
      field: path,
    });
  }
  if (typeof value === 'string') appendAll(causes, checkString(value, schema, path, where));
  if (typeof value === 'number') appendAll(causes, checkNumber(value, schema, path, where));
  if (Array.isArray(value)) appendAll(causes, checkArray(value, schema, path, where));
  if (isObject(value)) appendAll(causes, checkObject(value, schema, path, where));
  appendAll(causes, checkCombinators(value, schema, path, where));
  return causes;
}

function checkString(value: string, schema: Schema, path: string, where: string): Cause[] {
  const causes: Cause[] = [];
  const { maxLength, minLength, pattern } = schema;
  if (typeof maxLength === 'number' && Array.from(value).length > maxLength) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: may not be more than ${maxLength} bytes`,
      field: path,
    });
  }
  if (typeof minLength === 'number' && Array.from(value).length < minLength) {
    causes.push(
      invalidCause(path, value, `${where} in body should be at least ${minLength} chars long`),
    );
  }
  if (typeof pattern === 'string' && !new RegExp(pattern, 'u').test(value)) {
    causes.push(invalidCause(path, value, `${where} in body should match '${pattern}'`));
  }
  if (schema['format'] === 'date-time' && Number.isNaN(Date.parse(value))) {
    causes.push(
      invalidCause(
        path,
        value,
        `${where} in body must be of type date-time: ${JSON.stringify(value)}`,
      ),
    );
  }
  return causes;
}

function checkNumber(value: number, schema: Schema, path: string, where: string): Cause[] {
  const causes: Cause[] = [];
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
  if (typeof minimum === 'number') {
    const below = exclusiveMinimum === true ? value <= minimum : value < minimum;
    if (below) {
      const how = exclusiveMinimum === true ? 'greater than' : 'greater than or equal to';
      causes.push(invalidCause(path, value, `${where} in body should be ${how} ${minimum}`));
    }
  }
  if (typeof maximum === 'number') {
    const above = exclusiveMaximum === true ? value >= maximum : value > maximum;
    if (above) {
      const how = exclusiveMaximum === true ? 'less than' : 'less than or equal to';
      causes.push(invalidCause(path, value, `${where} in body should be ${how} ${maximum}`));
    }
  }
  if (typeof multipleOf === 'number' && multipleOf > 0 && !Number.isInteger(value / multipleOf)) {
    causes.push(
      invalidCause(path, value, `${where} in body should be a multiple of ${multipleOf}`),
    );
  }
  return causes;
}

function checkArray(value: Json[], schema: Schema, path: string, where: string): Cause[] {
  const causes: Cause[] = [];
  const { maxItems, minItems } = schema;
  if (typeof maxItems === 'number' && value.length > maxItems) {
    causes.push({
      reason: 'FieldValueTooMany',
      message: `Too many: ${value.length}: must have at most ${maxItems} items`,
      field: path,
    });
  }
  if (typeof minItems === 'number' && value.length < minItems) {
    causes.push(
      invalidCause(path, value, `${where} in body should have at least ${minItems} items`),
    );
  }
  if (schema['uniqueItems'] === true) {
    for (const index of repeatedItems(value)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        message: `Duplicate value: ${show(value[index] ?? null)}`,
        field: `${path}[${index}]`,
      });
    }
  }
  appendAll(causes, checkListType(value, schema, path));
  const items = child(schema, 'items');
  if (items !== undefined) {
    value.forEach((item, index) => {
      appendAll(causes, validate(item, items, `${path}[${index}]`));
    });
  }
  return causes;
}

/**
 * Indexes of the items equal (as {@link deepEqual} compares) to an earlier one, found in
 * one pass with a set of canonical texts, so long lists are checked in linear time.
 */
function repeatedItems(value: readonly Json[]): number[] {
  const seen = new Set<string>();
  const repeated: number[] = [];
  value.forEach((item, index) => {
    const key = canonicalJson(item);
    if (seen.has(key)) repeated.push(index);
    else seen.add(key);
  });
  return repeated;
}

/** `x-kubernetes-list-type`: `set` items and `map` keys must be unique. */
function checkListType(value: Json[], schema: Schema, path: string): Cause[] {
  const type = schema['x-kubernetes-list-type'];
  const causes: Cause[] = [];
  if (type === 'set') {
    for (const index of repeatedItems(value)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        message: `Duplicate value: ${JSON.stringify(value[index] ?? null)}`,
        field: `${path}[${index}]`,
      });
    }
  }
  const keys = schema['x-kubernetes-list-map-keys'];
  if (type === 'map' && Array.isArray(keys)) {
    const seen = new Set<string>();
    value.forEach((item, index) => {
      if (!isObject(item)) return;
      const key: JsonObject = {};
      for (const name of keys)
        if (typeof name === 'string' && item[name] !== undefined) key[name] = item[name] ?? null;
      const text = JSON.stringify(key);
      if (seen.has(text)) {
        causes.push({
          reason: 'FieldValueDuplicate',
          message: `Duplicate value: map[string]interface {}${text}`,
          field: `${path}[${index}]`,
        });
      }
      seen.add(text);
    });
  }
  return causes;
}

function checkObject(value: JsonObject, schema: Schema, path: string, where: string): Cause[] {
  const causes: Cause[] = [];
  const required = schema['required'];
  if (Array.isArray(required)) {
    for (const key of required) {
      if (typeof key === 'string' && value[key] === undefined) {
        causes.push({
          reason: 'FieldValueRequired',
          message: 'Required value',
          field: join(path, key),
        });
      }
    }
  }
  const { maxProperties, minProperties } = schema;
  const count = Object.keys(value).length;
  if (typeof maxProperties === 'number' && count > maxProperties) {
    causes.push({
      reason: 'FieldValueTooMany',
      message: `Too many: ${count}: must have at most ${maxProperties} items`,
      field: path,
    });
  }
  if (typeof minProperties === 'number' && count < minProperties) {
    causes.push(
      invalidCause(
        path,
        value,
        `${where} in body should have at least ${minProperties} properties`,
      ),
    );
  }
  const properties = child(schema, 'properties');
  const additional = child(schema, 'additionalProperties');
  for (const [key, field] of Object.entries(value)) {
    if (path === '' && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    const known = properties !== undefined ? child(properties, key) : undefined;
    const propertySchema = known ?? additional;
    if (propertySchema !== undefined)
      appendAll(causes, validate(field, propertySchema, join(path, key)));
  }
  return causes;
}

function checkCombinators(value: Json, schema: Schema, path: string, where: string): Cause[] {
  const causes: Cause[] = [];
  const list = (key: string): Schema[] => {
    const raw = schema[key];
    return Array.isArray(raw) ? raw.filter(isObject) : [];
  };
  for (const part of list('allOf')) appendAll(causes, validate(value, part, path));
  const anyOf = list('anyOf');
  if (anyOf.length > 0 && !anyOf.some((part) => validate(value, part, path).length === 0)) {
    causes.push(
      invalidCause(path, value, `${where} in body must match at least one schema in anyOf`),
    );
  }
  const oneOf = list('oneOf');
  if (oneOf.length > 0) {
    const matching = oneOf.filter((part) => validate(value, part, path).length === 0).length;
    if (matching !== 1)
      causes.push(
        invalidCause(path, value, `${where} in body must match exactly one schema in oneOf`),
      );
  }
  const not = child(schema, 'not');
  if (not !== undefined && validate(value, not, path).length === 0) {
    causes.push(invalidCause(path, value, `${where} in body must not match the schema in not`));
  }
  return causes;
}
