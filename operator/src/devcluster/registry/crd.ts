/**
 * CustomResourceDefinitions: their own validation (beyond structural-schema rules) and
 * the resource types they register, one per served version.
 */
import type { Cause } from '../core/errors.js';
import { getPath, isObject, stringAt, type Json, type JsonObject } from '../core/json.js';
import { evaluate, parseJsonPath } from '../table/jsonpath.js';
import { ageOf } from '../table/duration.js';
import { ALL_VERBS, type Column, type ResourceType } from './types.js';

function strings(value: Json | undefined): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function versionsOf(crd: JsonObject): JsonObject[] {
  const versions = getPath(crd, ['spec', 'versions']);
  return Array.isArray(versions) ? versions.filter(isObject) : [];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks the CRD fields the apiserver itself insists on (names, versions, scope). */
export function validateCrd(crd: JsonObject): Cause[] {
  const causes: Cause[] = [];
  const required = (field: string): void => {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  };
  const group = stringAt(crd, 'spec', 'group');
  const plural = stringAt(crd, 'spec', 'names', 'plural');
  const kind = stringAt(crd, 'spec', 'names', 'kind');
  if (group === undefined || group === '') required('spec.group');
  else if (!group.includes('.')) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${group}": should be a domain with at least one dot`,
      field: 'spec.group',
    });
  }
  if (plural === undefined || plural === '') required('spec.names.plural');
  else if (!DNS_LABEL.test(plural)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${plural}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
      field: 'spec.names.plural',
    });
  }
  if (kind === undefined || kind === '') required('spec.names.kind');
  const name = stringAt(crd, 'metadata', 'name');
  if (group !== undefined && plural !== undefined && name !== `${plural}.${group}`) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${name ?? ''}": must be spec.names.plural+"."+spec.group`,
      field: 'metadata.name',
    });
  }
  const scope = stringAt(crd, 'spec', 'scope');
  if (scope !== 'Namespaced' && scope !== 'Cluster') {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: "${scope ?? ''}": supported values: "Cluster", "Namespaced"`,
      field: 'spec.scope',
    });
  }
  const versions = versionsOf(crd);
  if (versions.length === 0) required('spec.versions');
  const storage = versions.filter((version) => version['storage'] === true).length;
  if (versions.length > 0 && storage !== 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(versions.map((v) => v['name']))}: must have exactly one version marked as storage version`,
      field: 'spec.versions',
    });
  }
  versions.forEach((version, index) => {
    const versionName = stringAt(version, 'name');
    if (versionName === undefined || !DNS_LABEL.test(versionName))
      required(`spec.versions[${index}].name`);
  });
  return [...causes, ...printerColumnCauses(crd)];
}

/**
 * Printer-column JSONPaths this server cannot evaluate. Checked on every CRD write, as
 * registration needs to parse them, whichever structural check is in use.
 */
export function printerColumnCauses(crd: JsonObject): Cause[] {
  const causes: Cause[] = [];
  versionsOf(crd).forEach((version, index) => {
    const columns = getPath(version, ['additionalPrinterColumns']);
    (Array.isArray(columns) ? columns.filter(isObject) : []).forEach((column, at) => {
      const path = stringAt(column, 'jsonPath');
      try {
        if (path === undefined) throw new Error('Required value');
        parseJsonPath(path);
      } catch (error) {
        causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${path ?? ''}": ${(error as Error).message}`,
          field: `spec.versions[${index}].additionalPrinterColumns[${at}].jsonPath`,
        });
      }
    });
  });
  return causes;
}

function printerColumn(raw: JsonObject): Column {
  const path = parseJsonPath(stringAt(raw, 'jsonPath') ?? '.');
  const type = stringAt(raw, 'type') ?? 'string';
  const priority = raw['priority'];
  return {
    name: stringAt(raw, 'name') ?? '',
    type,
    format: stringAt(raw, 'format') ?? '',
    description: stringAt(raw, 'description') ?? '',
    priority: typeof priority === 'number' ? priority : 0,
    cell: (object, now) => {
      const first = evaluate(path, object)[0];
      if (first === undefined || first === null) return null;
      return cellValue(type, first, now);
    },
  };
}

/** A printer column's cell, as the apiserver's table convertor types it. */
function cellValue(type: string, value: Json, now: number): Json {
  switch (type) {
    case 'date':
      return typeof value === 'string' ? (ageOf(value, now) ?? null) : null;
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

const DEFAULT_COLUMNS: JsonObject[] = [
  {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
  },
];

/** The resource types a CRD serves; empty when it is not valid enough to serve. */
export function typesFromCrd(crd: JsonObject): ResourceType[] {
  const group = stringAt(crd, 'spec', 'group');
  const plural = stringAt(crd, 'spec', 'names', 'plural');
  const kind = stringAt(crd, 'spec', 'names', 'kind');
  const name = stringAt(crd, 'metadata', 'name');
  if (group === undefined || plural === undefined || kind === undefined || name === undefined)
    return [];
  return versionsOf(crd)
    .filter((version) => version['served'] !== false && typeof version['name'] === 'string')
    .map((version) => {
      const schema = getPath(version, ['schema', 'openAPIV3Schema']);
      const columns = getPath(version, ['additionalPrinterColumns']);
      const type: ResourceType = {
        group,
        version: stringAt(version, 'name') ?? '',
        resource: plural,
        kind,
        listKind: stringAt(crd, 'spec', 'names', 'listKind') ?? `${kind}List`,
        singular: stringAt(crd, 'spec', 'names', 'singular') ?? kind.toLowerCase(),
        namespaced: stringAt(crd, 'spec', 'scope') !== 'Cluster',
        shortNames: strings(getPath(crd, ['spec', 'names', 'shortNames'])),
        categories: strings(getPath(crd, ['spec', 'names', 'categories'])),
        hasStatus: isObject(getPath(version, ['subresources', 'status'])),
        selectableFields: [],
        columns: (Array.isArray(columns) ? columns.filter(isObject) : DEFAULT_COLUMNS).map(
          printerColumn,
        ),
        unconditionalUpdate: false,
        verbs: ALL_VERBS,
        crdName: name,
      };
      if (isObject(schema)) type.schema = schema;
      const scale = getPath(version, ['subresources', 'scale']);
      if (isObject(scale)) {
        type.scale = {
          specReplicasPath: stringAt(scale, 'specReplicasPath') ?? '.spec.replicas',
          statusReplicasPath: stringAt(scale, 'statusReplicasPath') ?? '.status.replicas',
        };
        const selector = stringAt(scale, 'labelSelectorPath');
        if (selector !== undefined) type.scale.labelSelectorPath = selector;
      }
      return type;
    });
}
