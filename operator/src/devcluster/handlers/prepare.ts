/**
 * What happens to an object between a request and storage: custom resource pruning,
 * defaulting and validation, metadata checks, and CRD rules.
 */
import { appendAll } from '../core/append.js';
import { badRequest, invalid, type Cause } from '../core/errors.js';
import { clone, getPath, isObject, stringAt, type JsonObject } from '../core/json.js';
import { printerColumnCauses, validateCrd } from '../registry/crd.js';
import { builtinShape } from '../registry/builtin-shapes.js';
import { strategyOf } from '../registry/strategies.js';
import { applyBuiltinDefaults } from './builtin-defaults.js';
import type { ResourceType } from '../registry/types.js';
import { applyDefaults, prune, validate } from '../schema/object-schema.js';
import type { Cluster } from './cluster.js';
import type { WriteOptions } from './options.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function metadataCauses(object: JsonObject): Cause[] {
  const name = stringAt(object, 'metadata', 'name') ?? '';
  const causes: Cause[] = [];
  if (name.length > 253 || !SUBDOMAIN.test(name)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      field: 'metadata.name',
    });
  }
  const labels = getPath(object, ['metadata', 'labels']);
  if (labels !== undefined && !isObject(labels)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: labels must be a map',
      field: 'metadata.labels',
    });
  }
  if (isObject(labels)) {
    for (const [key, value] of Object.entries(labels)) {
      if (
        typeof value !== 'string' ||
        value.length > 63 ||
        !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)
      ) {
        causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
          field: `metadata.labels`,
        });
      }
      if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key)) {
        causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
          field: 'metadata.labels',
        });
      }
    }
  }
  return causes;
}

/** The shape of a built-in kind in the form it is stored in (core/v1 for events.k8s.io). */
function storedShape(type: ResourceType, object: JsonObject): JsonObject | undefined {
  if (type.crdName !== undefined) return undefined;
  const apiVersion = stringAt(object, 'apiVersion') ?? '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return builtinShape(group, apiVersion.slice(slash + 1), type.kind);
}

/**
 * The strict decoder's rule, the same for built-in and custom kinds: fields the kind's
 * schema does not declare are dropped, and fields the body gave twice keep the last
 * value; `fieldValidation=Strict` rejects either with 400, `Warn` (the default) names
 * each in a `Warning` header, `Ignore` says nothing. Built-in kinds are checked against their OpenAPI-generated shape, custom
 * resources against their structural schema.
 */
function dropUnknownFields(type: ResourceType, object: JsonObject, options: WriteOptions): void {
  const shape = type.schema ?? storedShape(type, object);
  const unknown = shape === undefined ? [] : prune(object, shape);
  const problems = [
    ...options.duplicates.map((field) => `duplicate field "${field}"`),
    ...unknown.map((field) => `unknown field "${field}"`),
  ];
  if (problems.length === 0) return;
  if (options.fieldValidation === 'Strict') {
    const fields = problems.join(', ');
    const prefix =
      type.crdName === undefined
        ? `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: `
        : '';
    throw badRequest(`${prefix}strict decoding error: ${fields}`);
  }
  if (options.fieldValidation === 'Warn') options.warnings.push(...problems);
}

/**
 * Normalises and checks `object` (mutating it) for storage as `type`, after any write:
 * unknown fields dropped, defaults filled in (again, so a patch that removes a defaulted
 * field gets the default back), then validated, including the kind's immutable fields
 * against `before` (undefined for a create). Throws 400 for unknown fields under Strict
 * validation, 422 for invalid values.
 */
export function prepare(
  cluster: Cluster,
  type: ResourceType,
  object: JsonObject,
  before: JsonObject | undefined,
  options: WriteOptions,
): void {
  const name = stringAt(object, 'metadata', 'name') ?? '';
  const causes = metadataCauses(object);
  dropUnknownFields(type, object, options);
  applyBuiltinDefaults(type, object, {
    before,
    allocateIp: () => cluster.allocateClusterIp(),
  });
  if (type.schema !== undefined) {
    applyDefaults(object, type.schema);
    appendAll(causes, validate(object, type.schema));
  }
  if (before !== undefined) causes.push(...strategyOf(type).immutable(before, object));
  if (type.group === 'apiextensions.k8s.io' && type.resource === 'customresourcedefinitions') {
    const check = cluster.structuralCheck;
    if (check === undefined) appendAll(causes, validateCrd(object));
    else {
      for (const problem of check(object)) {
        causes.push({
          reason: reasonOf(problem.message),
          message: problem.message,
          field: problem.field,
        });
      }
      appendAll(causes, printerColumnCauses(object));
    }
  }
  if (causes.length > 0) throw invalid(type, name, causes);
}

/**
 * Server-set parts of an object on every write: namespace phase, Pod phase, Secret
 * `stringData` folded into `data`, CRD conditions and accepted names.
 */
export function decorate(type: ResourceType, object: JsonObject, now: string): void {
  if (type.group === '' && type.resource === 'pods') {
    const status = isObject(object['status']) ? object['status'] : {};
    if (status['phase'] === undefined)
      object['status'] = {
        ...status,
        phase: 'Pending',
        qosClass: status['qosClass'] ?? 'BestEffort',
      };
  }
  if (type.group === '' && type.resource === 'secrets') {
    const stringData = object['stringData'];
    if (isObject(stringData)) {
      const data = isObject(object['data']) ? { ...object['data'] } : {};
      for (const [key, value] of Object.entries(stringData)) {
        if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
      }
      object['data'] = data;
      delete object['stringData'];
    }
    if (object['type'] === undefined) object['type'] = 'Opaque';
  }
  if (type.group === '' && type.resource === 'namespaces') {
    const deleting = getPath(object, ['metadata', 'deletionTimestamp']) !== undefined;
    object['spec'] = {
      finalizers: ['kubernetes'],
      ...(isObject(object['spec']) ? object['spec'] : {}),
    };
    object['status'] = {
      ...(isObject(object['status']) ? object['status'] : {}),
      phase: deleting ? 'Terminating' : 'Active',
    };
    const metadata = object['metadata'];
    if (isObject(metadata)) {
      const labels = isObject(metadata['labels']) ? metadata['labels'] : {};
      metadata['labels'] = {
        ...labels,
        'kubernetes.io/metadata.name': stringAt(object, 'metadata', 'name') ?? '',
      };
    }
  }
  if (type.group === 'apiextensions.k8s.io' && type.resource === 'customresourcedefinitions') {
    const names = getPath(object, ['spec', 'names']);
    const existing = getPath(object, ['status', 'conditions']);
    const previous = Array.isArray(existing) ? existing.filter(isObject) : [];
    const since = (kind: string): string =>
      stringAt(previous.find((c) => c['type'] === kind) ?? {}, 'lastTransitionTime') ?? now;
    const versions = getPath(object, ['spec', 'versions']);
    object['status'] = {
      acceptedNames: isObject(names) ? clone(names) : {},
      storedVersions: Array.isArray(versions)
        ? versions
            .filter(isObject)
            .filter((v) => v['storage'] === true)
            .map((v) => v['name'] ?? '')
        : [],
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
          lastTransitionTime: since('NamesAccepted'),
        },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
          lastTransitionTime: since('Established'),
        },
      ],
    };
  }
}

function reasonOf(message: string): string {
  if (message.startsWith('Required value')) return 'FieldValueRequired';
  if (message.startsWith('Forbidden')) return 'FieldValueForbidden';
  if (message.startsWith('Unsupported value')) return 'FieldValueNotSupported';
  if (message.startsWith('Duplicate value')) return 'FieldValueDuplicate';
  return 'FieldValueInvalid';
}
