/**
 * The checks kube-apiserver applies to an apiextensions.k8s.io/v1 CustomResourceDefinition
 * before it accepts it: names, group, scope, versions, subresources, printer columns, and
 * that every version's openAPIV3Schema is a structural schema whose defaults validate and
 * survive pruning (Kubernetes "Specifying a structural schema"; apiextensions-apiserver
 * `validation.go` and `pkg/apiserver/schema`).
 *
 * Contract: `checkCustomResourceDefinition` is pure, never throws on any input, and returns
 * an empty list exactly when it finds nothing wrong. Each problem names the field with the
 * API server's path syntax (`spec.versions[0].schema.openAPIV3Schema.properties[spec].type`)
 * and a message in its `Required value` / `Invalid value` / `Forbidden` / `Unsupported value`
 * form. Rules the API server applies only on update (stored versions, ratcheting) and CEL
 * rules are out of scope.
 */

export interface CrdProblem {
  field: string;
  message: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const SCALAR_TYPES = ['boolean', 'integer', 'number', 'string'];
const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];
const COLUMN_FORMATS = [
  'int32',
  'int64',
  'float',
  'double',
  'byte',
  'date',
  'date-time',
  'password',
];
const VALUE_VALIDATIONS = ['allOf', 'anyOf', 'oneOf'] as const;

/** Keywords a v1 CRD schema may not use anywhere, with the API server's reason. */
const FORBIDDEN_KEYWORDS: Record<string, string> = {
  $ref: '$ref is not supported',
  $schema: '$schema is not supported',
  id: 'id is not supported',
  definitions: 'definitions is not supported',
  dependencies: 'dependencies is not supported',
  patternProperties: 'patternProperties is not supported',
  additionalItems: 'additionalItems is not supported',
};

/**
 * What may not appear inside a value validation (anyOf/allOf/oneOf/not), with the API
 * server's reason: these belong to the structural part of the schema.
 */
const STRUCTURAL_ONLY: Record<string, string> = {
  type: 'must be empty to be structural',
  description: 'must be empty to be structural',
  title: 'must be empty to be structural',
  default: 'must be undefined to be structural',
  additionalProperties: 'must be undefined to be structural',
  nullable: 'must be false to be structural',
  'x-kubernetes-preserve-unknown-fields': 'must be false to be structural',
  'x-kubernetes-embedded-resource': 'must be false to be structural',
  'x-kubernetes-int-or-string': 'must be false to be structural',
  'x-kubernetes-list-map-keys': 'must be empty to be structural',
  'x-kubernetes-list-type': 'must be undefined to be structural',
  'x-kubernetes-map-type': 'must be undefined to be structural',
};

const IMPLICIT_METADATA =
  'must not specify anything other than name and generateName, but metadata is implicitly specified';

class Problems {
  readonly list: CrdProblem[] = [];
  required(field: string, detail = ''): void {
    this.add(field, `Required value${detail === '' ? '' : `: ${detail}`}`);
  }
  invalid(field: string, value: unknown, detail: string): void {
    this.add(field, `Invalid value: ${show(value)}: ${detail}`);
  }
  forbidden(field: string, detail: string): void {
    this.add(field, `Forbidden: ${detail}`);
  }
  unsupported(field: string, value: unknown, supported: readonly string[]): void {
    const values = supported.map((v) => JSON.stringify(v)).join(', ');
    this.add(field, `Unsupported value: ${show(value)}: supported values: ${values}`);
  }
  add(field: string, message: string): void {
    this.list.push({ field, message });
  }
}

/** A keyword value as text: strings as they are, anything else as JSON. */
function typeName(value: unknown): string {
  return typeof value === 'string' ? value : show(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Every problem the API server would report when creating `crd`; empty when it is valid. */
export function checkCustomResourceDefinition(crd: unknown): CrdProblem[] {
  const problems = new Problems();
  if (!isObject(crd)) {
    problems.invalid('', crd, 'must be an object');
    return problems.list;
  }
  if (crd.apiVersion !== 'apiextensions.k8s.io/v1') {
    problems.unsupported('apiVersion', crd.apiVersion, ['apiextensions.k8s.io/v1']);
  }
  if (crd.kind !== 'CustomResourceDefinition') {
    problems.unsupported('kind', crd.kind, ['CustomResourceDefinition']);
  }
  const spec = crd.spec;
  if (!isObject(spec)) {
    problems.required('spec');
    return problems.list;
  }
  const metadata = isObject(crd.metadata) ? crd.metadata : {};
  const names = isObject(spec.names) ? spec.names : {};
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    problems.required('metadata.name');
  } else if (metadata.name !== `${typeName(names.plural)}.${typeName(spec.group)}`) {
    problems.invalid('metadata.name', metadata.name, 'must be spec.names.plural+"."+spec.group');
  }
  checkGroup(spec.group, problems);
  if (isObject(spec.names)) checkNames(spec.names, problems);
  else problems.required('spec.names');
  if (spec.scope === undefined) problems.required('spec.scope');
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') {
    problems.unsupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']);
  }
  if (spec.preserveUnknownFields === true) {
    problems.invalid(
      'spec.preserveUnknownFields',
      true,
      'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
    );
  }
  checkVersions(spec.versions, problems);
  return problems.list;
}

function checkGroup(group: unknown, problems: Problems): void {
  if (typeof group !== 'string' || group === '') {
    problems.required('spec.group');
    return;
  }
  if (!DNS1123_SUBDOMAIN.test(group) || group.length > 253) {
    problems.invalid('spec.group', group, 'must be a lowercase RFC 1123 subdomain');
  } else if (!group.includes('.')) {
    problems.invalid('spec.group', group, 'should be a domain with at least one dot');
  }
}

function dns1035(problems: Problems, field: string, value: unknown, lower = false): void {
  const text = typeof value === 'string' ? value : '';
  if (!DNS1035_LABEL.test(lower ? text.toLowerCase() : text) || text.length > 63) {
    const detail =
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    problems.invalid(
      field,
      value,
      lower ? `may have mixed case, but should otherwise match: ${detail}` : detail,
    );
  }
}

function checkNames(names: Json, problems: Problems): void {
  const at = 'spec.names';
  if (names.plural === undefined || names.plural === '') problems.required(`${at}.plural`);
  else dns1035(problems, `${at}.plural`, names.plural);
  if (names.singular !== undefined && names.singular !== '') {
    dns1035(problems, `${at}.singular`, names.singular);
  }
  if (names.kind === undefined || names.kind === '') problems.required(`${at}.kind`);
  else dns1035(problems, `${at}.kind`, names.kind, true);
  if (names.listKind !== undefined && names.listKind !== '') {
    dns1035(problems, `${at}.listKind`, names.listKind, true);
    if (names.listKind === names.kind) {
      problems.invalid(`${at}.listKind`, names.listKind, 'kind and listKind may not be the same');
    }
  }
  for (const key of ['shortNames', 'categories'] as const) {
    const list = names[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) problems.invalid(`${at}.${key}`, list, 'must be a list of strings');
    else
      list.forEach((item, i) => {
        dns1035(problems, `${at}.${key}[${i}]`, item);
      });
  }
}

function checkVersions(versions: unknown, problems: Problems): void {
  if (!Array.isArray(versions) || versions.length === 0) {
    problems.required('spec.versions', 'must have exactly one version marked as storage version');
    return;
  }
  const seen = new Set<string>();
  let storage = 0;
  let served = 0;
  versions.forEach((version: unknown, i) => {
    const at = `spec.versions[${i}]`;
    if (!isObject(version)) {
      problems.invalid(at, version, 'must be an object');
      return;
    }
    if (version.name === undefined || version.name === '') problems.required(`${at}.name`);
    else dns1035(problems, `${at}.name`, version.name);
    if (typeof version.name === 'string') {
      if (seen.has(version.name))
        problems.add(`${at}.name`, `Duplicate value: ${show(version.name)}`);
      seen.add(version.name);
    }
    for (const flag of ['served', 'storage'] as const) {
      if (typeof version[flag] !== 'boolean')
        problems.required(`${at}.${flag}`, 'must be true or false');
    }
    if (version.storage === true) storage += 1;
    if (version.served === true) served += 1;
    const schema = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
    if (schema === undefined)
      problems.required(`${at}.schema.openAPIV3Schema`, 'schemas are required');
    else checkSchema(schema, `${at}.schema.openAPIV3Schema`, problems);
    checkSubresources(version.subresources, `${at}.subresources`, problems);
    checkColumns(version.additionalPrinterColumns, `${at}.additionalPrinterColumns`, problems);
  });
  if (storage !== 1) {
    problems.invalid(
      'spec.versions',
      storage,
      'must have exactly one version marked as storage version',
    );
  }
  if (served === 0)
    problems.invalid('spec.versions', served, 'must have at least one served version');
}

function checkSubresources(subresources: unknown, at: string, problems: Problems): void {
  if (subresources === undefined) return;
  if (!isObject(subresources)) {
    problems.invalid(at, subresources, 'must be an object');
    return;
  }
  if (subresources.status !== undefined && !isObject(subresources.status)) {
    problems.invalid(`${at}.status`, subresources.status, 'must be an empty object ({})');
  }
  const scale = subresources.scale;
  if (scale === undefined) return;
  if (!isObject(scale)) {
    problems.invalid(`${at}.scale`, scale, 'must be an object');
    return;
  }
  const paths = [
    ['specReplicasPath', ['.spec.'], true],
    ['statusReplicasPath', ['.status.'], true],
    ['labelSelectorPath', ['.spec.', '.status.'], false],
  ] as const;
  for (const [key, prefixes, required] of paths) {
    const path = scale[key];
    if (path === undefined || path === '') {
      if (required) problems.required(`${at}.scale.${key}`);
    } else if (typeof path !== 'string' || !prefixes.some((prefix) => path.startsWith(prefix))) {
      problems.invalid(
        `${at}.scale.${key}`,
        path,
        `should be a json path under ${prefixes.join(' or ')}`,
      );
    }
  }
}

function checkColumns(columns: unknown, at: string, problems: Problems): void {
  if (columns === undefined) return;
  if (!Array.isArray(columns)) {
    problems.invalid(at, columns, 'must be a list');
    return;
  }
  columns.forEach((column: unknown, i) => {
    const field = `${at}[${i}]`;
    if (!isObject(column)) {
      problems.invalid(field, column, 'must be an object');
      return;
    }
    if (typeof column.name !== 'string' || column.name === '') problems.required(`${field}.name`);
    if (column.type === undefined || column.type === '') problems.required(`${field}.type`);
    else if (!COLUMN_TYPES.includes(typeName(column.type))) {
      problems.unsupported(`${field}.type`, column.type, COLUMN_TYPES);
    }
    if (column.format !== undefined && !COLUMN_FORMATS.includes(typeName(column.format))) {
      problems.unsupported(`${field}.format`, column.format, COLUMN_FORMATS);
    }
    if (typeof column.jsonPath !== 'string' || column.jsonPath === '') {
      problems.required(`${field}.jsonPath`);
    }
    if (column.priority !== undefined && !Number.isInteger(column.priority)) {
      problems.invalid(`${field}.priority`, column.priority, 'must be an integer');
    } else if (typeof column.priority === 'number' && column.priority < 0) {
      problems.invalid(`${field}.priority`, column.priority, 'cannot be negative');
    }
  });
}

type Level = 'root' | 'field' | 'item';

function checkSchema(schema: unknown, at: string, problems: Problems): void {
  if (!isObject(schema)) problems.invalid(at, schema, 'must be a schema object');
  else checkStructural(schema, at, 'root', problems);
}

function checkForbiddenKeywords(node: Json, at: string, problems: Problems): void {
  for (const [keyword, reason] of Object.entries(FORBIDDEN_KEYWORDS)) {
    if (node[keyword] !== undefined) problems.forbidden(`${at}.${keyword}`, reason);
  }
  if (node.uniqueItems === true) {
    problems.forbidden(
      `${at}.uniqueItems`,
      'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
    );
  }
  if (Array.isArray(node.items)) {
    problems.forbidden(`${at}.items`, 'items must be a schema object and not an array');
  }
  if (typeof node.pattern === 'string') {
    try {
      new RegExp(node.pattern, 'u');
    } catch {
      problems.invalid(`${at}.pattern`, node.pattern, 'must be a valid regular expression');
    }
  }
}

/** One node of the structural part of a schema, and everything below it. */
function checkStructural(node: Json, at: string, level: Level, problems: Problems): void {
  checkForbiddenKeywords(node, at, problems);
  const type = node.type;
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (preserve !== undefined && preserve !== true) {
    problems.invalid(
      `${at}.x-kubernetes-preserve-unknown-fields`,
      preserve,
      'must be true or undefined',
    );
  }
  if (type === undefined || type === '') {
    if (level === 'root') problems.required(`${at}.type`, 'must not be empty at the root');
    else if (!intOrString && preserve !== true && node['x-kubernetes-embedded-resource'] !== true) {
      const what = level === 'item' ? 'array items' : 'object fields';
      problems.required(`${at}.type`, `must not be empty for specified ${what}`);
    }
  } else if (!TYPES.includes(typeName(type))) {
    problems.unsupported(`${at}.type`, type, TYPES);
  } else if (intOrString) {
    problems.invalid(`${at}.type`, type, 'must be empty if x-kubernetes-int-or-string is true');
  } else if (level === 'root' && type !== 'object') {
    problems.invalid(`${at}.type`, type, 'must be object at the root');
  }
  if (node['x-kubernetes-embedded-resource'] === true) {
    if (type !== 'object') {
      problems.invalid(
        `${at}.type`,
        type,
        'must be object if x-kubernetes-embedded-resource is true',
      );
    }
    if (preserve !== true && !isObject(node.properties)) {
      problems.required(
        `${at}.properties`,
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      );
    }
  }
  if (intOrString && preserve === true) {
    problems.invalid(
      `${at}.x-kubernetes-preserve-unknown-fields`,
      true,
      'must be false if x-kubernetes-int-or-string is true',
    );
  }
  if (level === 'root') checkRoot(node, at, problems);
  checkChildren(node, at, problems);
  checkListAndMapTypes(node, at, problems);
  if (level === 'root' && isObject(node.properties) && isObject(node.properties.metadata)) {
    checkRootMetadata(node.properties.metadata, `${at}.properties[metadata]`, problems);
  }
  checkValueValidations(node, at, problems);
  if (node.default !== undefined) checkValue(node.default, node, `${at}.default`, problems);
}

function checkRoot(node: Json, at: string, problems: Problems): void {
  if (node.additionalProperties !== undefined) {
    problems.forbidden(`${at}.additionalProperties`, 'must not be used at the root');
  }
  const properties = isObject(node.properties) ? node.properties : {};
  for (const name of ['apiVersion', 'kind']) {
    const property = properties[name];
    if (isObject(property) && property.type !== 'string') {
      problems.invalid(`${at}.properties[${name}].type`, property.type, 'must be string');
    }
  }
}

function checkChildren(node: Json, at: string, problems: Problems): void {
  const { type, properties, additionalProperties: additional, items } = node;
  // Whether `type` names a real type; an unsupported one is reported once, where it is.
  const known = TYPES.includes(typeName(type));
  if (properties !== undefined) {
    if (!isObject(properties))
      problems.invalid(`${at}.properties`, properties, 'must be a map of schemas');
    else {
      if (known && type !== 'object') {
        problems.forbidden(`${at}.properties`, `must not be specified for type ${typeName(type)}`);
      }
      for (const [name, child] of Object.entries(properties)) {
        const field = `${at}.properties[${name}]`;
        if (isObject(child)) checkStructural(child, field, 'field', problems);
        else problems.invalid(field, child, 'must be a schema object');
      }
    }
  }
  if (additional !== undefined) {
    if (properties !== undefined) {
      problems.forbidden(
        `${at}.additionalProperties`,
        'additionalProperties and properties are mutual exclusive',
      );
    }
    if (additional === false) {
      problems.forbidden(
        `${at}.additionalProperties`,
        'additionalProperties cannot be set to false',
      );
    } else if (isObject(additional)) {
      checkStructural(additional, `${at}.additionalProperties`, 'field', problems);
    } else if (additional !== true) {
      problems.invalid(`${at}.additionalProperties`, additional, 'must be a schema object');
    }
    if (known && type !== 'object') {
      problems.forbidden(
        `${at}.additionalProperties`,
        `must not be specified for type ${typeName(type)}`,
      );
    }
  }
  if (isObject(items)) {
    if (known && type !== 'array') {
      problems.forbidden(`${at}.items`, `must not be specified for type ${typeName(type)}`);
    }
    checkStructural(items, `${at}.items`, 'item', problems);
  } else if (items === undefined && type === 'array') {
    problems.required(`${at}.items`, 'must be specified');
  }
}

function checkListAndMapTypes(node: Json, at: string, problems: Problems): void {
  const listType = node['x-kubernetes-list-type'];
  const keys = node['x-kubernetes-list-map-keys'];
  const items = isObject(node.items) ? node.items : undefined;
  const field = `${at}.x-kubernetes-list-type`;
  if (listType !== undefined) {
    if (listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
      problems.unsupported(field, listType, ['atomic', 'set', 'map']);
    } else if (node.type !== 'array') {
      problems.invalid(field, listType, 'must only be used on type array');
    }
  }
  if (listType === 'set' && items?.type !== undefined && !isScalarOrAtomic(items)) {
    problems.invalid(
      `${at}.items`,
      items.type,
      'must be a scalar type, or an atomic list or object, if x-kubernetes-list-type is set',
    );
  }
  if (keys !== undefined && listType !== 'map') {
    problems.forbidden(
      `${at}.x-kubernetes-list-map-keys`,
      'must only be used if x-kubernetes-list-type is "map"',
    );
  }
  if (listType === 'map') {
    if (!Array.isArray(keys) || keys.length === 0) {
      problems.required(
        `${at}.x-kubernetes-list-map-keys`,
        'must not be empty if x-kubernetes-list-type is map',
      );
    }
    if (items !== undefined && items.type !== 'object') {
      problems.invalid(
        `${at}.items.type`,
        items.type,
        "must be object if parent array's x-kubernetes-list-type is map",
      );
    } else if (items !== undefined && Array.isArray(keys)) {
      checkMapKeys(keys, items, at, problems);
    }
  }
  const mapType = node['x-kubernetes-map-type'];
  if (mapType !== undefined) {
    if (mapType !== 'granular' && mapType !== 'atomic') {
      problems.unsupported(`${at}.x-kubernetes-map-type`, mapType, ['granular', 'atomic']);
    } else if (node.type !== 'object') {
      problems.invalid(`${at}.x-kubernetes-map-type`, mapType, 'must only be used on type object');
    }
  }
}

function isScalarOrAtomic(items: Json): boolean {
  if (SCALAR_TYPES.includes(typeName(items.type)) || items['x-kubernetes-int-or-string'] === true)
    return true;
  if (items.type === 'object') return items['x-kubernetes-map-type'] === 'atomic';
  if (items.type === 'array') return items['x-kubernetes-list-type'] === 'atomic';
  return false;
}

function checkMapKeys(keys: unknown[], items: Json, at: string, problems: Problems): void {
  const properties = isObject(items.properties) ? items.properties : {};
  const required = Array.isArray(items.required) ? items.required : [];
  const seen = new Set<unknown>();
  keys.forEach((key, i) => {
    const field = `${at}.x-kubernetes-list-map-keys[${i}]`;
    if (seen.has(key)) problems.add(field, `Duplicate value: ${show(key)}`);
    seen.add(key);
    const property = typeof key === 'string' ? properties[key] : undefined;
    if (!isObject(property)) {
      problems.invalid(field, key, 'entries must all be names of item properties');
      return;
    }
    const propertyAt = `${at}.items.properties[${typeName(key)}]`;
    if (
      !SCALAR_TYPES.includes(typeName(property.type)) &&
      property['x-kubernetes-int-or-string'] !== true
    ) {
      problems.invalid(
        `${propertyAt}.type`,
        property.type,
        "must be a scalar type if parent array's x-kubernetes-list-type is map",
      );
    } else if (!required.includes(key) && property.default === undefined) {
      problems.invalid(propertyAt, key, 'all map keys must be required or have a default value');
    }
  });
}

/**
 * metadata at the root may only be `type: object` and constrain name and generateName (which
 * must stay strings); anything else, a description included, the API server refuses.
 */
function checkRootMetadata(metadata: Json, at: string, problems: Problems): void {
  if (metadata.type !== undefined && metadata.type !== 'object') {
    problems.invalid(`${at}.type`, metadata.type, 'must be object');
  }
  const properties = isObject(metadata.properties) ? metadata.properties : {};
  const others = Object.keys(properties).filter((n) => n !== 'name' && n !== 'generateName');
  const extra = Object.keys(metadata).filter((k) => !['type', 'properties', 'default'].includes(k));
  if (others.length > 0 || extra.length > 0) problems.forbidden(at, IMPLICIT_METADATA);
  for (const name of ['name', 'generateName']) {
    const property = properties[name];
    if (property === undefined) continue;
    const type = isObject(property) ? property.type : undefined;
    if (type !== 'string')
      problems.invalid(`${at}.properties[${name}].type`, type, 'must be string');
  }
}

/** `[{type: integer}, {type: string}]`, the one anyOf that may name types (int-or-string). */
function isIntOrStringAnyOf(anyOf: unknown): boolean {
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return false;
  const only = (schema: unknown, type: string): boolean =>
    isObject(schema) && Object.keys(schema).length === 1 && schema.type === type;
  return only(anyOf[0], 'integer') && only(anyOf[1], 'string');
}

function checkValueValidations(node: Json, at: string, problems: Problems): void {
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const skipAnyOf = intOrString && isIntOrStringAnyOf(node.anyOf);
  const allOf = node.allOf;
  const skipFirstAllOfAnyOf =
    intOrString && Array.isArray(allOf) && isObject(allOf[0]) && isIntOrStringAnyOf(allOf[0].anyOf);
  for (const keyword of VALUE_VALIDATIONS) {
    const list = node[keyword];
    if (list === undefined || (keyword === 'anyOf' && skipAnyOf)) continue;
    if (!Array.isArray(list)) {
      problems.invalid(`${at}.${keyword}`, list, 'must be a list of schemas');
      continue;
    }
    list.forEach((schema: unknown, i) => {
      const skip = keyword === 'allOf' && i === 0 && skipFirstAllOfAnyOf;
      checkNested(schema, `${at}.${keyword}[${i}]`, node, problems, skip);
    });
  }
  if (node.not !== undefined) checkNested(node.not, `${at}.not`, node, problems, false);
}

/** A schema under anyOf/allOf/oneOf/not: value validation only, on fields the structure has. */
function checkNested(
  node: unknown,
  at: string,
  structure: Json | undefined,
  problems: Problems,
  skipAnyOf: boolean,
): void {
  if (!isObject(node)) {
    problems.invalid(at, node, 'must be a schema object');
    return;
  }
  checkForbiddenKeywords(node, at, problems);
  for (const [keyword, reason] of Object.entries(STRUCTURAL_ONLY)) {
    const value = node[keyword];
    if (value !== undefined && value !== false) problems.forbidden(`${at}.${keyword}`, reason);
  }
  if (isObject(node.properties) && node.properties.metadata !== undefined) {
    problems.forbidden(`${at}.properties[metadata]`, 'must not be specified in a nested context');
  }
  const preserving = structure?.['x-kubernetes-preserve-unknown-fields'] === true;
  if (isObject(node.properties)) {
    const known = isObject(structure?.properties) ? structure.properties : {};
    for (const [name, child] of Object.entries(node.properties)) {
      const field = `${at}.properties[${name}]`;
      const counterpart = known[name];
      if (!isObject(counterpart) && !preserving) {
        problems.required(field, 'must be specified in the structural part of the schema too');
      }
      checkNested(child, field, isObject(counterpart) ? counterpart : undefined, problems, false);
    }
  }
  if (node.items !== undefined && !Array.isArray(node.items)) {
    const counterpart = isObject(structure?.items) ? structure.items : undefined;
    if (counterpart === undefined && !preserving) {
      problems.required(
        `${at}.items`,
        'must be specified in the structural part of the schema too',
      );
    }
    checkNested(node.items, `${at}.items`, counterpart, problems, false);
  }
  for (const keyword of VALUE_VALIDATIONS) {
    const list = node[keyword];
    if (list === undefined || (keyword === 'anyOf' && skipAnyOf)) continue;
    if (!Array.isArray(list))
      problems.invalid(`${at}.${keyword}`, list, 'must be a list of schemas');
    else
      list.forEach((schema: unknown, i) => {
        checkNested(schema, `${at}.${keyword}[${i}]`, structure, problems, false);
      });
  }
  if (node.not !== undefined) checkNested(node.not, `${at}.not`, structure, problems, false);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical(value[key])]),
  );
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * Whether `value` (a default) validates against `schema`, and survives pruning unchanged: no
 * field that the schema does not specify, unless it preserves unknown fields.
 */
function checkValue(value: unknown, schema: Json, at: string, problems: Problems): void {
  if (value === null) {
    if (schema.nullable !== true)
      problems.invalid(at, null, 'must not be null unless nullable is true');
    return;
  }
  if (
    schema['x-kubernetes-int-or-string'] === true &&
    !Number.isInteger(value) &&
    typeof value !== 'string'
  ) {
    problems.invalid(at, value, 'must be an integer or a string');
    return;
  }
  if (typeof schema.type === 'string' && !hasType(value, schema.type)) {
    problems.invalid(at, value, `must be of type ${schema.type}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => deepEqual(allowed, value))) {
    problems.unsupported(
      at,
      value,
      schema.enum.map((allowed) => JSON.stringify(allowed)),
    );
  }
  if (typeof value === 'string') checkString(value, schema, at, problems);
  if (typeof value === 'number') checkNumber(value, schema, at, problems);
  if (Array.isArray(value)) {
    checkCount(value.length, schema.minItems, schema.maxItems, 'items', at, value, problems);
    if (isObject(schema.items)) {
      const items = schema.items;
      value.forEach((item: unknown, i) => {
        checkValue(item, items, `${at}[${i}]`, problems);
      });
    }
  }
  if (isObject(value)) checkObject(value, schema, at, problems);
  checkValueAgainstValidations(value, schema, at, problems);
}

function checkString(value: string, schema: Json, at: string, problems: Problems): void {
  const length = Array.from(value).length;
  checkCount(length, schema.minLength, schema.maxLength, 'characters', at, value, problems);
  if (typeof schema.pattern === 'string') {
    let matches = true;
    try {
      matches = new RegExp(schema.pattern, 'u').test(value);
    } catch {
      // An invalid pattern is reported where it is declared.
    }
    if (!matches) problems.invalid(at, value, `should match '${schema.pattern}'`);
  }
}

function checkNumber(value: number, schema: Json, at: string, problems: Problems): void {
  const minimum = num(schema.minimum);
  const maximum = num(schema.maximum);
  if (
    minimum !== undefined &&
    (schema.exclusiveMinimum === true ? value <= minimum : value < minimum)
  ) {
    problems.invalid(
      at,
      value,
      `should be greater than ${schema.exclusiveMinimum === true ? '' : 'or equal to '}${minimum}`,
    );
  }
  if (
    maximum !== undefined &&
    (schema.exclusiveMaximum === true ? value >= maximum : value > maximum)
  ) {
    problems.invalid(
      at,
      value,
      `should be less than ${schema.exclusiveMaximum === true ? '' : 'or equal to '}${maximum}`,
    );
  }
  const multipleOf = num(schema.multipleOf);
  if (multipleOf !== undefined && multipleOf > 0 && !Number.isInteger(value / multipleOf)) {
    problems.invalid(at, value, `should be a multiple of ${multipleOf}`);
  }
}

function checkCount(
  count: number,
  min: unknown,
  max: unknown,
  unit: string,
  at: string,
  value: unknown,
  problems: Problems,
): void {
  const lower = num(min);
  const upper = num(max);
  if (lower !== undefined && count < lower)
    problems.invalid(at, value, `should have at least ${lower} ${unit}`);
  if (upper !== undefined && count > upper)
    problems.invalid(at, value, `may not have more than ${upper} ${unit}`);
}

function checkObject(value: Json, schema: Json, at: string, problems: Problems): void {
  const properties = isObject(schema.properties) ? schema.properties : undefined;
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const name of required) {
    if (typeof name === 'string' && value[name] === undefined) problems.required(`${at}.${name}`);
  }
  checkCount(
    Object.keys(value).length,
    schema.minProperties,
    schema.maxProperties,
    'properties',
    at,
    value,
    problems,
  );
  const unknown: string[] = [];
  for (const [name, child] of Object.entries(value)) {
    const property = properties?.[name];
    if (isObject(property)) checkValue(child, property, `${at}.${name}`, problems);
    else if (isObject(schema.additionalProperties)) {
      checkValue(child, schema.additionalProperties, `${at}.${name}`, problems);
    } else if (
      schema.additionalProperties !== true &&
      schema['x-kubernetes-preserve-unknown-fields'] !== true &&
      schema.type === 'object'
    ) {
      unknown.push(name);
    }
  }
  if (unknown.length > 0) {
    problems.invalid(
      at,
      value,
      `must not have unknown fields, pruning would drop: ${unknown.join(', ')}`,
    );
  }
}

/** allOf, anyOf, oneOf and not, applied to a value. */
function checkValueAgainstValidations(
  value: unknown,
  schema: Json,
  at: string,
  problems: Problems,
): void {
  const passes = (sub: unknown): boolean => {
    if (!isObject(sub)) return true;
    const scratch = new Problems();
    // Value validations never prune: judge them as if they preserved unknown fields.
    checkValue(value, { ...sub, 'x-kubernetes-preserve-unknown-fields': true }, at, scratch);
    return scratch.list.length === 0;
  };
  const list = (keyword: string): unknown[] =>
    Array.isArray(schema[keyword]) ? (schema[keyword] as unknown[]) : [];
  for (const sub of list('allOf')) {
    if (isObject(sub))
      checkValue(value, { ...sub, 'x-kubernetes-preserve-unknown-fields': true }, at, problems);
  }
  const anyOf = list('anyOf');
  if (anyOf.length > 0 && !anyOf.some(passes))
    problems.invalid(at, value, 'must validate against at least one schema of anyOf');
  const oneOf = list('oneOf');
  if (oneOf.length > 0 && oneOf.filter(passes).length !== 1) {
    problems.invalid(at, value, 'must validate against exactly one schema of oneOf');
  }
  if (schema.not !== undefined && passes(schema.not))
    problems.invalid(at, value, 'must not validate against the schema in not');
}
