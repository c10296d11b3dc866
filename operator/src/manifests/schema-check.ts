/**
 * Checks Ferry objects against the same schemas the CRDs are generated from, with every
 * object closed to unknown fields, as `kubectl apply --validate=strict` would.
 */

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import {
  API_VERSION,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  DURATION_PATTERN,
  KINDS,
  kindByName,
  QUANTITY_PATTERN,
  SHA256_HEX,
  objectMeta,
  openAPIV3Schema,
  type JSONSchemaProps,
  type KindDefinition,
} from '../api/index.js';
import type { ManifestDocument } from './parse.js';
import { fieldPath, valueAt, type Problem } from './problem.js';

// ajv-formats is published as CommonJS with a default export under `default`.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Kubernetes vendor extensions: meaningful to the API server, inert for validation. */
const KUBERNETES_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
];

/**
 * The schema as strict validation sees it: every object that lists its properties and does
 * not preserve unknown fields rejects any other property.
 */
export function closedSchema(schema: JSONSchemaProps): JSONSchemaProps {
  const closed: JSONSchemaProps = { ...schema };
  if (schema.properties !== undefined) {
    closed.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, closedSchema(property)]),
    );
    if (
      schema.additionalProperties === undefined &&
      schema['x-kubernetes-preserve-unknown-fields'] !== true
    ) {
      (closed as Record<string, unknown>).additionalProperties = false;
    }
  }
  if (schema.additionalProperties !== undefined) {
    closed.additionalProperties = closedSchema(schema.additionalProperties);
  }
  if (schema.items !== undefined) closed.items = closedSchema(schema.items);
  return closed;
}

function manifestSchema(definition: KindDefinition): JSONSchemaProps {
  const crdSchema = openAPIV3Schema(definition);
  return closedSchema({
    ...crdSchema,
    properties: {
      ...crdSchema.properties,
      apiVersion: { type: 'string', description: 'API version.', enum: [API_VERSION] },
      kind: { type: 'string', description: 'Kind.', enum: [definition.kind] },
      metadata: { ...objectMeta.json, required: ['name'] },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  });
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(definition: KindDefinition): ValidateFunction {
  let validate = validators.get(definition.kind);
  if (validate === undefined) {
    const ajv = new Ajv({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
    });
    addFormats(ajv);
    ajv.addVocabulary(KUBERNETES_KEYWORDS);
    validate = ajv.compile(manifestSchema(definition));
    validators.set(definition.kind, validate);
  }
  return validate;
}

/** Schema problems of one Ferry object; an empty list when it is valid. */
export function checkSchema(document: ManifestDocument): Problem[] {
  const definition = kindByName(document.identity.kind);
  if (definition === undefined) {
    return [
      problemAt(
        document,
        ['kind'],
        'value',
        `Unsupported value: "${document.identity.kind}": supported kinds in ${API_VERSION} are ${KINDS.map((k) => k.kind).join(', ')}`,
      ),
    ];
  }
  const validate = validatorFor(definition);
  if (validate(document.value)) return [];
  return dropSubsumedErrors(validate.errors ?? []).map((error) =>
    problemFromError(document, error),
  );
}

/**
 * For int-or-string fields ajv reports each failed `anyOf` branch as well as the `anyOf`
 * itself; keep only the latter, which says what the field accepts. Linear in the errors.
 */
function dropSubsumedErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfSchemaPaths = new Set(
    errors.filter((error) => error.keyword === 'anyOf').map((error) => error.schemaPath),
  );
  if (anyOfSchemaPaths.size === 0) return errors;
  const underAnyOf = (schemaPath: string): boolean => {
    for (
      let at = schemaPath.indexOf('/anyOf/');
      at !== -1;
      at = schemaPath.indexOf('/anyOf/', at + 1)
    ) {
      if (anyOfSchemaPaths.has(schemaPath.slice(0, at + '/anyOf'.length))) return true;
    }
    return false;
  };
  return errors.filter((error) => error.keyword === 'anyOf' || !underAnyOf(error.schemaPath));
}

function problemFromError(document: ManifestDocument, error: ErrorObject): Problem {
  const path = pointerToPath(error.instancePath, document.value);
  const params = error.params as Record<string, unknown>;
  const shown = describeValue(valueAt(document.value, path));
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return problemAt(document, path, 'key', 'Required value', [...path, missing]);
    }
    case 'additionalProperties': {
      const unknown = String(params.additionalProperty);
      return problemAt(document, [...path, unknown], 'key', `unknown field "${unknown}"`);
    }
    case 'type':
      return problemAt(
        document,
        path,
        'value',
        `Invalid value: ${shown}: must be ${article(String(params.type))}`,
      );
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return problemAt(
        document,
        path,
        'value',
        `Unsupported value: ${shown}: supported values: ${allowed}`,
      );
    }
    case 'anyOf':
      return problemAt(
        document,
        path,
        'value',
        `Invalid value: ${shown}: must be an integer or a string`,
      );
    case 'pattern': {
      const expected =
        PATTERN_DESCRIPTIONS[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
      return problemAt(document, path, 'value', `Invalid value: ${shown}: ${expected}`);
    }
    default:
      return problemAt(
        document,
        path,
        'value',
        `Invalid value: ${shown}: ${error.message ?? 'is not valid'}`,
      );
  }
}

export function problemAt(
  document: ManifestDocument,
  locatePath: readonly (string | number)[],
  target: 'key' | 'value',
  message: string,
  reportedPath: readonly (string | number)[] = locatePath,
  severity: Problem['severity'] = 'error',
): Problem {
  return {
    file: document.file,
    ...document.locate(locatePath, target),
    severity,
    object: document.identity,
    field: fieldPath(reportedPath),
    message,
  };
}

/** JSON pointer → path, with array indices as numbers. */
function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const step: string | number = Array.isArray(current) ? Number(segment) : segment;
    path.push(step);
    current = (current as Record<string | number, unknown> | undefined)?.[step];
  }
  return path;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

/** What the patterns Ferry's schemas use mean, in words a user can act on. */
const PATTERN_DESCRIPTIONS: Record<string, string> = {
  [QUANTITY_PATTERN]: 'must be a quantity such as 500m, 2Gi or 4',
  [DURATION_PATTERN]: 'must be a duration such as 90s, 5m or 1h30m',
  [DNS1123_SUBDOMAIN]:
    "must be an RFC 1123 subdomain: lower case letters, digits, '-' and '.', starting and ending with a letter or digit",
  [DNS1123_LABEL]:
    "must be an RFC 1123 label: lower case letters, digits and '-', starting and ending with a letter or digit",
  [SHA256_HEX]: 'must be a sha256 digest: 64 lower-case hex digits',
};

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping (object)',
  array: 'a list (array)',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
};

function article(type: string): string {
  return TYPE_NAMES[type] ?? type;
}
