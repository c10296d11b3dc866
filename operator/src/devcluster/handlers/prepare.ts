/**
 * What happens to an object between a request and storage: custom resource pruning,
 * defaulting and validation, metadata checks, and CRD rules.
 */
import { appendAll } from '../core/append.js';
import { badRequest, invalid, type Cause } from '../core/errors.js';
import { clone, getPath, isObject, stringAt, type JsonObject } from '../core/json.js';
import { printerColumnCauses, validateCrd } from '../registry/crd.js';
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

/**
 * Normalises and checks `object` (mutating it) for storage as `type`. Throws 400 for
 * unknown fields under Strict validation, 422 for invalid values.
 */
export function prepare(
  cluster: Cluster,
  type: ResourceType,
  object: JsonObject,
  options: WriteOptions,
): void {
  const name = stringAt(object, 'metadata', 'name') ?? '';
  const causes = metadataCauses(object);
  if (type.schema !== undefined) {
    const unknown = prune(object, type.schema);
    if (unknown.length > 0 && options.fieldValidation === 'Strict') {
      throw badRequest(
        `strict decoding error: ${unknown.map((field) => `unknown field "${field}"`).join(', ')}`,
      );
    }
    if (options.fieldValidation === 'Warn') {
      for (const field of unknown) options.warnings.push(`unknown field "${field}"`);
    }
    applyDefaults(object, type.schema);
    appendAll(causes, validate(object, type.schema));
  }
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
