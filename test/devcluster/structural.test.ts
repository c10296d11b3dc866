/**
 * The CRD checker against the rules kube-apiserver applies to apiextensions.k8s.io/v1:
 * Ferry's generated CRDs pass, and hand-written broken CRDs fail with the field and reason
 * the API server would give.
 */

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkCustomResourceDefinition } from '../../operator/src/devcluster/apiextensions/structural.js';

type Json = Record<string, unknown>;

const CRDS_DIR = join(import.meta.dirname, '..', '..', 'crds');
const ROOT = 'spec.versions[0].schema.openAPIV3Schema';
const SPEC = `${ROOT}.properties[spec]`;

/** A small, valid CRD written out by hand, using most features the rules are about. */
function widget(): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: {
        kind: 'Widget',
        listKind: 'WidgetList',
        plural: 'widgets',
        singular: 'widget',
        shortNames: ['wdg'],
        categories: ['all'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' },
          },
          additionalPrinterColumns: [
            { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
            { name: 'Mode', type: 'string', jsonPath: '.spec.mode', priority: 1 },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                metadata: {
                  type: 'object',
                  properties: { name: { type: 'string', maxLength: 40 } },
                },
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'integer', minimum: 0, default: 1 },
                    mode: { type: 'string', enum: ['fast', 'slow'], default: 'fast' },
                    port: {
                      'x-kubernetes-int-or-string': true,
                      anyOf: [{ type: 'integer' }, { type: 'string' }],
                    },
                    memory: {
                      'x-kubernetes-int-or-string': true,
                      allOf: [
                        { anyOf: [{ type: 'integer' }, { type: 'string' }] },
                        { pattern: '^[0-9]+(Mi|Gi)?$' },
                      ],
                    },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                    entries: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['name', 'zone'],
                      items: {
                        type: 'object',
                        required: ['name'],
                        properties: {
                          name: { type: 'string' },
                          zone: { type: 'string', default: 'a' },
                          value: { type: 'string' },
                        },
                      },
                    },
                    tags: {
                      type: 'array',
                      'x-kubernetes-list-type': 'set',
                      items: { type: 'string' },
                    },
                    extra: {
                      'x-kubernetes-preserve-unknown-fields': true,
                      default: { anything: [1, 'two'] },
                    },
                    note: { type: 'string', nullable: true, default: null },
                    target: {
                      type: 'object',
                      default: { kind: 'Pod' },
                      properties: { kind: { type: 'string' }, name: { type: 'string' } },
                      oneOf: [{ required: ['kind'] }, { required: ['name'] }],
                      not: { properties: { kind: { enum: ['Node'] } } },
                    },
                  },
                },
                status: { type: 'object', properties: { size: { type: 'integer' } } },
              },
            },
          },
        },
      ],
    },
  };
}

/** The JSON object at a dotted path of `crd` (numbers index lists). */
function at(crd: Json, path: string): Json {
  let current: unknown = crd;
  for (const step of path.split('.')) {
    current = Array.isArray(current) ? current[Number(step)] : (current as Json)[step];
  }
  return current as Json;
}

const VERSION = 'spec.versions.0';
const SCHEMA = `${VERSION}.schema.openAPIV3Schema`;
const SPEC_PROPS = `${SCHEMA}.properties.spec.properties`;

interface Case {
  name: string;
  breakIt: (crd: Json) => void;
  expected: { field: string; says: string }[];
}

const CASES: Case[] = [
  {
    name: 'metadata.name is not <plural>.<group>',
    breakIt: (crd) => (at(crd, 'metadata').name = 'widget.example.com'),
    expected: [{ field: 'metadata.name', says: 'must be spec.names.plural+"."+spec.group' }],
  },
  {
    name: 'group without a dot',
    breakIt: (crd) => {
      at(crd, 'spec').group = 'example';
      at(crd, 'metadata').name = 'widgets.example';
    },
    expected: [{ field: 'spec.group', says: 'should be a domain with at least one dot' }],
  },
  {
    name: 'group missing',
    breakIt: (crd) => delete at(crd, 'spec').group,
    expected: [
      { field: 'metadata.name', says: 'must be spec.names.plural+"."+spec.group' },
      { field: 'spec.group', says: 'Required value' },
    ],
  },
  {
    name: 'scope not supported',
    breakIt: (crd) => (at(crd, 'spec').scope = 'Global'),
    expected: [
      {
        field: 'spec.scope',
        says: 'Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
      },
    ],
  },
  {
    name: 'no storage version',
    breakIt: (crd) => (at(crd, VERSION).storage = false),
    expected: [
      { field: 'spec.versions', says: 'must have exactly one version marked as storage version' },
    ],
  },
  {
    name: 'two storage versions with the same name',
    breakIt: (crd) => {
      const versions = at(crd, 'spec').versions as Json[];
      versions.push({ ...(versions[0] as Json) });
    },
    expected: [
      { field: 'spec.versions[1].name', says: 'Duplicate value: "v1"' },
      {
        field: 'spec.versions',
        says: 'Invalid value: 2: must have exactly one version marked as storage version',
      },
    ],
  },
  {
    name: 'no served version',
    breakIt: (crd) => (at(crd, VERSION).served = false),
    expected: [{ field: 'spec.versions', says: 'must have at least one served version' }],
  },
  {
    name: 'version name not a DNS-1035 label',
    breakIt: (crd) => (at(crd, VERSION).name = '1.0'),
    expected: [{ field: 'spec.versions[0].name', says: 'Invalid value: "1.0": a DNS-1035 label' }],
  },
  {
    name: 'plural with upper case',
    breakIt: (crd) => {
      at(crd, 'spec.names').plural = 'Widgets';
      at(crd, 'metadata').name = 'Widgets.example.com';
    },
    expected: [{ field: 'spec.names.plural', says: 'Invalid value: "Widgets": a DNS-1035 label' }],
  },
  {
    name: 'kind missing',
    breakIt: (crd) => delete at(crd, 'spec.names').kind,
    expected: [{ field: 'spec.names.kind', says: 'Required value' }],
  },
  {
    name: 'kind equal to listKind',
    breakIt: (crd) => (at(crd, 'spec.names').listKind = 'Widget'),
    expected: [{ field: 'spec.names.listKind', says: 'kind and listKind may not be the same' }],
  },
  {
    name: 'short name with an underscore',
    breakIt: (crd) => (at(crd, 'spec.names').shortNames = ['wdg', 'my_widget']),
    expected: [{ field: 'spec.names.shortNames[1]', says: 'Invalid value: "my_widget"' }],
  },
  {
    name: 'status subresource that is not an object',
    breakIt: (crd) => (at(crd, `${VERSION}.subresources`).status = true),
    expected: [{ field: 'spec.versions[0].subresources.status', says: 'must be an empty object' }],
  },
  {
    name: 'scale subresource pointing outside .spec',
    breakIt: (crd) => (at(crd, `${VERSION}.subresources.scale`).specReplicasPath = '.status.size'),
    expected: [
      {
        field: 'spec.versions[0].subresources.scale.specReplicasPath',
        says: 'should be a json path under .spec.',
      },
    ],
  },
  {
    name: 'printer column of an unsupported type',
    breakIt: (crd) => (at(crd, `${VERSION}.additionalPrinterColumns.0`).type = 'float'),
    expected: [
      {
        field: 'spec.versions[0].additionalPrinterColumns[0].type',
        says: 'Unsupported value: "float"',
      },
    ],
  },
  {
    name: 'printer column without jsonPath or name',
    breakIt: (crd) => (at(crd, VERSION).additionalPrinterColumns = [{ type: 'string' }]),
    expected: [
      { field: 'spec.versions[0].additionalPrinterColumns[0].name', says: 'Required value' },
      { field: 'spec.versions[0].additionalPrinterColumns[0].jsonPath', says: 'Required value' },
    ],
  },
  {
    name: 'printer column with negative priority',
    breakIt: (crd) => (at(crd, `${VERSION}.additionalPrinterColumns.1`).priority = -1),
    expected: [
      {
        field: 'spec.versions[0].additionalPrinterColumns[1].priority',
        says: 'Invalid value: -1: cannot be negative',
      },
    ],
  },
  {
    name: 'version without a schema',
    breakIt: (crd) => delete at(crd, VERSION).schema,
    expected: [{ field: ROOT, says: 'Required value: schemas are required' }],
  },
  {
    name: 'spec.preserveUnknownFields true',
    breakIt: (crd) => (at(crd, 'spec').preserveUnknownFields = true),
    expected: [{ field: 'spec.preserveUnknownFields', says: 'cannot set to true' }],
  },
  {
    name: 'root of another type',
    breakIt: (crd) => (at(crd, SCHEMA).type = 'array'),
    expected: [
      { field: `${ROOT}.type`, says: 'must be object at the root' },
      { field: `${ROOT}.properties`, says: 'must not be specified for type array' },
      { field: `${ROOT}.items`, says: 'Required value: must be specified' },
    ],
  },
  {
    name: 'a field without a type',
    breakIt: (crd) => delete at(crd, `${SPEC_PROPS}.size`).type,
    expected: [
      {
        field: `${SPEC}.properties[size].type`,
        says: 'Required value: must not be empty for specified object fields',
      },
    ],
  },
  {
    name: 'array items without a type',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.tags`).items = { minLength: 1 }),
    expected: [
      {
        field: `${SPEC}.properties[tags].items.type`,
        says: 'Required value: must not be empty for specified array items',
      },
    ],
  },
  {
    name: 'an unsupported type',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.labels`).type = 'map'),
    expected: [{ field: `${SPEC}.properties[labels].type`, says: 'Unsupported value: "map"' }],
  },
  {
    name: 'an array without items',
    breakIt: (crd) => delete at(crd, `${SPEC_PROPS}.tags`).items,
    expected: [
      { field: `${SPEC}.properties[tags].items`, says: 'Required value: must be specified' },
    ],
  },
  {
    name: 'properties and additionalProperties together',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.labels`).properties = { app: { type: 'string' } }),
    expected: [
      {
        field: `${SPEC}.properties[labels].additionalProperties`,
        says: 'additionalProperties and properties are mutual exclusive',
      },
    ],
  },
  {
    name: 'additionalProperties: false',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.labels`).additionalProperties = false),
    expected: [
      {
        field: `${SPEC}.properties[labels].additionalProperties`,
        says: 'Forbidden: additionalProperties cannot be set to false',
      },
    ],
  },
  ...(
    [
      ['$ref', '#/definitions/size', '$ref is not supported'],
      ['$schema', 'http://json-schema.org/draft-04/schema#', '$schema is not supported'],
      ['id', 'size', 'id is not supported'],
      ['definitions', { n: { type: 'integer' } }, 'definitions is not supported'],
      ['dependencies', { size: ['mode'] }, 'dependencies is not supported'],
      ['patternProperties', { '^x-': { type: 'string' } }, 'patternProperties is not supported'],
      ['additionalItems', false, 'additionalItems is not supported'],
    ] as const
  ).map(([keyword, value, says]): Case => ({
    name: `forbidden keyword ${keyword}`,
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.size`)[keyword] = value),
    expected: [{ field: `${SPEC}.properties[size].${keyword}`, says: `Forbidden: ${says}` }],
  })),
  {
    name: 'uniqueItems: true',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.tags`).uniqueItems = true),
    expected: [
      { field: `${SPEC}.properties[tags].uniqueItems`, says: 'uniqueItems cannot be set to true' },
    ],
  },
  {
    name: 'items as a list of schemas',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.tags`).items = [{ type: 'string' }]),
    expected: [
      {
        field: `${SPEC}.properties[tags].items`,
        says: 'items must be a schema object and not an array',
      },
    ],
  },
  {
    name: 'root metadata with fields other than name and generateName',
    breakIt: (crd) =>
      (at(crd, `${SCHEMA}.properties.metadata.properties`).labels = { type: 'object' }),
    expected: [
      {
        field: `${ROOT}.properties[metadata]`,
        says: 'Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      },
    ],
  },
  {
    name: 'root metadata with a description',
    breakIt: (crd) =>
      (at(crd, `${SCHEMA}.properties.metadata`).description = 'Standard object metadata.'),
    expected: [{ field: `${ROOT}.properties[metadata]`, says: 'metadata is implicitly specified' }],
  },
  {
    name: 'root metadata.name that is not a string',
    breakIt: (crd) => (at(crd, `${SCHEMA}.properties.metadata.properties.name`).type = 'integer'),
    expected: [
      {
        field: `${ROOT}.properties[metadata].properties[name].type`,
        says: 'Invalid value: "integer": must be string',
      },
    ],
  },
  {
    name: 'metadata inside a value validation',
    breakIt: (crd) =>
      (at(crd, SCHEMA).anyOf = [{ properties: { metadata: { required: ['name'] } } }]),
    expected: [
      {
        field: `${ROOT}.anyOf[0].properties[metadata]`,
        says: 'must not be specified in a nested context',
      },
    ],
  },
  {
    name: 'additionalProperties at the root',
    breakIt: (crd) => {
      const root = at(crd, SCHEMA);
      delete root.properties;
      root.additionalProperties = { type: 'string' };
    },
    expected: [
      { field: `${ROOT}.additionalProperties`, says: 'Forbidden: must not be used at the root' },
    ],
  },
  {
    name: 'kind declared as something other than a string',
    breakIt: (crd) => (at(crd, `${SCHEMA}.properties`).kind = { type: 'object' }),
    expected: [
      { field: `${ROOT}.properties[kind].type`, says: 'Invalid value: "object": must be string' },
    ],
  },
  {
    name: 'int-or-string that also preserves unknown fields',
    breakIt: (crd) =>
      (at(crd, `${SPEC_PROPS}.port`)['x-kubernetes-preserve-unknown-fields'] = true),
    expected: [
      {
        field: `${SPEC}.properties[port].x-kubernetes-preserve-unknown-fields`,
        says: 'must be false if x-kubernetes-int-or-string is true',
      },
    ],
  },
  {
    name: 'an embedded resource that is not an object',
    breakIt: (crd) => (at(crd, SPEC_PROPS).template = { 'x-kubernetes-embedded-resource': true }),
    expected: [
      {
        field: `${SPEC}.properties[template].type`,
        says: 'must be object if x-kubernetes-embedded-resource is true',
      },
      {
        field: `${SPEC}.properties[template].properties`,
        says: 'must not be empty if x-kubernetes-embedded-resource is true',
      },
    ],
  },
  {
    name: 'list-map-keys on a list that is not a map',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.entries`)['x-kubernetes-list-type'] = 'atomic'),
    expected: [
      {
        field: `${SPEC}.properties[entries].x-kubernetes-list-map-keys`,
        says: 'must only be used if x-kubernetes-list-type is "map"',
      },
    ],
  },
  {
    name: 'list-type map without keys',
    breakIt: (crd) => delete at(crd, `${SPEC_PROPS}.entries`)['x-kubernetes-list-map-keys'],
    expected: [
      {
        field: `${SPEC}.properties[entries].x-kubernetes-list-map-keys`,
        says: 'must not be empty if x-kubernetes-list-type is map',
      },
    ],
  },
  {
    name: 'a map key neither required nor defaulted',
    breakIt: (crd) =>
      (at(crd, `${SPEC_PROPS}.entries`)['x-kubernetes-list-map-keys'] = ['name', 'value']),
    expected: [
      {
        field: `${SPEC}.properties[entries].items.properties[value]`,
        says: 'all map keys must be required or have a default value',
      },
    ],
  },
  {
    name: 'a map key that is not an item property',
    breakIt: (crd) =>
      (at(crd, `${SPEC_PROPS}.entries`)['x-kubernetes-list-map-keys'] = ['name', 'id']),
    expected: [
      {
        field: `${SPEC}.properties[entries].x-kubernetes-list-map-keys[1]`,
        says: 'entries must all be names of item properties',
      },
    ],
  },
  {
    name: 'a map key that is not a scalar',
    breakIt: (crd) => {
      const items = at(crd, `${SPEC_PROPS}.entries.items`);
      items.properties = { name: { type: 'object', properties: { first: { type: 'string' } } } };
      at(crd, `${SPEC_PROPS}.entries`)['x-kubernetes-list-map-keys'] = ['name'];
    },
    expected: [
      {
        field: `${SPEC}.properties[entries].items.properties[name].type`,
        says: 'must be a scalar type',
      },
    ],
  },
  {
    name: 'list-type set of objects',
    breakIt: (crd) =>
      (at(crd, `${SPEC_PROPS}.tags`).items = {
        type: 'object',
        properties: { a: { type: 'string' } },
      }),
    expected: [
      {
        field: `${SPEC}.properties[tags].items`,
        says: 'must be a scalar type, or an atomic list or object',
      },
    ],
  },
  {
    name: 'int-or-string with a type',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.port`).type = 'string'),
    expected: [
      {
        field: `${SPEC}.properties[port].type`,
        says: 'must be empty if x-kubernetes-int-or-string is true',
      },
    ],
  },
  {
    name: 'int-or-string anyOf in the wrong order',
    breakIt: (crd) =>
      (at(crd, `${SPEC_PROPS}.port`).anyOf = [{ type: 'string' }, { type: 'integer' }]),
    expected: [
      {
        field: `${SPEC}.properties[port].anyOf[0].type`,
        says: 'Forbidden: must be empty to be structural',
      },
      {
        field: `${SPEC}.properties[port].anyOf[1].type`,
        says: 'Forbidden: must be empty to be structural',
      },
    ],
  },
  {
    name: 'int-or-string allOf whose first anyOf has the wrong types',
    breakIt: (crd) =>
      (at(crd, `${SPEC_PROPS}.memory`).allOf = [
        { anyOf: [{ type: 'integer' }, { type: 'number' }] },
      ]),
    expected: [
      {
        field: `${SPEC}.properties[memory].allOf[0].anyOf[0].type`,
        says: 'must be empty to be structural',
      },
      {
        field: `${SPEC}.properties[memory].allOf[0].anyOf[1].type`,
        says: 'must be empty to be structural',
      },
    ],
  },
  {
    name: 'anyOf types without x-kubernetes-int-or-string',
    breakIt: (crd) => delete at(crd, `${SPEC_PROPS}.port`)['x-kubernetes-int-or-string'],
    expected: [
      {
        field: `${SPEC}.properties[port].type`,
        says: 'must not be empty for specified object fields',
      },
      { field: `${SPEC}.properties[port].anyOf[0].type`, says: 'must be empty to be structural' },
      { field: `${SPEC}.properties[port].anyOf[1].type`, says: 'must be empty to be structural' },
    ],
  },
  ...(
    [
      ['description', 'a size', 'must be empty to be structural'],
      ['default', 3, 'must be undefined to be structural'],
      ['nullable', true, 'must be false to be structural'],
      ['additionalProperties', { type: 'string' }, 'must be undefined to be structural'],
      ['x-kubernetes-list-type', 'atomic', 'must be undefined to be structural'],
      ['x-kubernetes-preserve-unknown-fields', true, 'must be false to be structural'],
    ] as const
  ).map(([keyword, value, says]): Case => ({
    name: `${keyword} inside a value validation`,
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.size`).allOf = [{ minimum: 1, [keyword]: value }]),
    expected: [
      { field: `${SPEC}.properties[size].allOf[0].${keyword}`, says: `Forbidden: ${says}` },
    ],
  })),
  {
    name: 'a value validation on a field the structure does not have',
    breakIt: (crd) =>
      (at(crd, `${SPEC_PROPS}.target`).oneOf = [{ properties: { namespace: { minLength: 1 } } }]),
    expected: [
      {
        field: `${SPEC}.properties[target].oneOf[0].properties[namespace]`,
        says: 'must be specified in the structural part',
      },
    ],
  },
  {
    name: 'a default of the wrong type',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.size`).default = 'one'),
    expected: [
      {
        field: `${SPEC}.properties[size].default`,
        says: 'Invalid value: "one": must be of type integer',
      },
    ],
  },
  {
    name: 'a default below the minimum',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.size`).default = -1),
    expected: [
      { field: `${SPEC}.properties[size].default`, says: 'should be greater than or equal to 0' },
    ],
  },
  {
    name: 'a default outside the enum',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.mode`).default = 'medium'),
    expected: [{ field: `${SPEC}.properties[mode].default`, says: 'Unsupported value: "medium"' }],
  },
  {
    name: 'a null default on a field that is not nullable',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.mode`).default = null),
    expected: [{ field: `${SPEC}.properties[mode].default`, says: 'must not be null' }],
  },
  {
    name: 'a default with a field pruning would drop',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.target`).default = { kind: 'Pod', uid: '1' }),
    expected: [
      {
        field: `${SPEC}.properties[target].default`,
        says: 'must not have unknown fields, pruning would drop: uid',
      },
    ],
  },
  {
    name: 'a default failing a nested value validation',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.target`).default = { kind: 'Node' }),
    expected: [
      {
        field: `${SPEC}.properties[target].default`,
        says: 'must not validate against the schema in not',
      },
    ],
  },
  {
    name: 'a default of an int-or-string that matches neither',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.memory`).default = 1.5),
    expected: [
      { field: `${SPEC}.properties[memory].default`, says: 'must be an integer or a string' },
    ],
  },
  {
    name: 'a default list item missing a required field',
    breakIt: (crd) => (at(crd, `${SPEC_PROPS}.entries`).default = [{ zone: 'b' }]),
    expected: [{ field: `${SPEC}.properties[entries].default[0].name`, says: 'Required value' }],
  },
];

describe('checkCustomResourceDefinition', () => {
  it('accepts the hand-written base CRD', () => {
    expect(checkCustomResourceDefinition(widget())).toEqual([]);
  });

  it('accepts every CRD Ferry generates into crds/', async () => {
    const files = (await readdir(CRDS_DIR)).filter((file) => file.endsWith('.yaml'));
    expect(files).toHaveLength(5);
    for (const file of files) {
      const crd: unknown = parse(await readFile(join(CRDS_DIR, file), 'utf8'));
      expect(checkCustomResourceDefinition(crd), file).toEqual([]);
    }
  });

  it.each(CASES)('rejects $name', ({ breakIt, expected }) => {
    const crd = widget();
    breakIt(crd);
    const problems = checkCustomResourceDefinition(crd);
    expect(problems).toEqual(
      expected.map(({ field, says }) => ({
        field,
        message: expect.stringContaining(says) as string,
      })),
    );
  });

  it.each([null, 'crd', [], 42])('rejects %j without throwing', (input) => {
    expect(checkCustomResourceDefinition(input)).toEqual([
      { field: '', message: expect.stringContaining('must be an object') as string },
    ]);
  });

  it('rejects a CRD of another API version or kind', () => {
    const crd = { ...widget(), apiVersion: 'apiextensions.k8s.io/v1beta1', kind: 'CRD' };
    expect(checkCustomResourceDefinition(crd).map((problem) => problem.field)).toEqual([
      'apiVersion',
      'kind',
    ]);
  });
});
