import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../operator/src/devcluster/core/json.js';
import {
  applyDefaults,
  prune,
  validate,
} from '../../../operator/src/devcluster/schema/object-schema.js';

const schema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['model'],
      properties: {
        model: { type: 'string', minLength: 1 },
        replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
        policy: { type: 'string', enum: ['PullRequest', 'Manual'], default: 'PullRequest' },
        port: { 'x-kubernetes-int-or-string': true },
        steps: {
          type: 'array',
          maxItems: 2,
          items: { type: 'object', properties: { weight: { type: 'integer', default: 5 } } },
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        env: { type: 'object', additionalProperties: { type: 'string' } },
        features: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' } } },
        },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      },
    },
  },
};

describe('pruning', () => {
  it('drops unknown fields and reports their paths, keeping apiVersion, kind, metadata', () => {
    const object: JsonObject = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'a', odd: 1 },
      spec: {
        model: 'm',
        bogus: 1,
        steps: [{ weight: 1, nope: 2 }],
        extra: { free: 1 },
        env: { A: 'b' },
      },
      top: true,
    };
    expect(prune(object, schema).sort()).toEqual(['spec.bogus', 'spec.steps[0].nope', 'top']);
    expect(object).toEqual({
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'a', odd: 1 },
      spec: { model: 'm', steps: [{ weight: 1 }], extra: { free: 1 }, env: { A: 'b' } },
    });
  });
});

describe('defaulting', () => {
  it('fills missing properties, including inside list items, and keeps given values', () => {
    const object: JsonObject = { spec: { model: 'm', replicas: 3, steps: [{}, { weight: 9 }] } };
    applyDefaults(object, schema);
    expect(object).toEqual({
      spec: {
        model: 'm',
        replicas: 3,
        policy: 'PullRequest',
        steps: [{ weight: 5 }, { weight: 9 }],
      },
    });
  });
});

describe('validation', () => {
  const check = (spec: JsonObject): string[] =>
    validate({ spec }, schema).map((cause) => `${cause.field}: ${cause.message}`);

  it('accepts a valid object', () => {
    expect(check({ model: 'm', replicas: 2, port: 'http', steps: [{ weight: 1 }] })).toEqual([]);
  });
  it.each<[JsonObject, string]>([
    [{}, 'spec.model: Required value'],
    [
      { model: 'm', replicas: 'two' },
      'spec.replicas: Invalid value: "two": spec.replicas in body must be of type integer: "string"',
    ],
    [
      { model: 'm', replicas: 1.5 },
      'spec.replicas: Invalid value: "1.5": spec.replicas in body must be of type integer: "number"',
    ],
    [
      { model: 'm', replicas: 11 },
      'spec.replicas: Invalid value: "11": spec.replicas in body should be less than or equal to 10',
    ],
    [
      { model: 'm', policy: 'Auto' },
      'spec.policy: Unsupported value: "Auto": supported values: "PullRequest", "Manual"',
    ],
    [
      { model: '' },
      'spec.model: Invalid value: "": spec.model in body should be at least 1 chars long',
    ],
    [
      { model: 'm', port: 1.5 },
      'spec.port: Invalid value: "1.5": spec.port in body must be of type integer-or-string',
    ],
    [{ model: 'm', steps: [{}, {}, {}] }, 'spec.steps: Too many: 3: must have at most 2 items'],
    [
      { model: 'm', steps: [{ weight: 'x' }] },
      'spec.steps[0].weight: Invalid value: "x": spec.steps[0].weight in body must be of type integer: "string"',
    ],
    [
      { model: 'm', env: { A: 1 } },
      'spec.env.A: Invalid value: "1": spec.env.A in body must be of type string: "integer"',
    ],
    [
      { model: 'm', features: [{ name: 'a' }, { name: 'b' }, { name: 'a' }] },
      'spec.features[2]: Duplicate value: map[string]interface {}{"name":"a"}',
    ],
    [{ model: 'm', tags: ['x', 'y', 'x'] }, 'spec.tags[2]: Duplicate value: "x"'],
  ])('%j → %s', (spec, expected) => {
    expect(check(spec)).toEqual([expected]);
  });
});

describe('unique lists', () => {
  // A quadratic check compares 50,000 items pairwise (over two minutes here); the
  // check must find the one repeat of a list that long within the test's time limit.
  it('finds the one repeated item of a 50,000-item set', () => {
    const tags = Array.from({ length: 50_000 }, (_, index) => `tag-${index}`);
    tags.push('tag-12345');
    const causes = validate({ spec: { model: 'm', tags } }, schema);
    expect(causes.map((cause) => `${cause.field}: ${cause.message}`)).toEqual([
      'spec.tags[50000]: Duplicate value: "tag-12345"',
    ]);
    expect(validate({ spec: { model: 'm', tags: tags.slice(0, -1) } }, schema)).toEqual([]);
  });

  it('treats objects with the same fields in another order as the same item (uniqueItems)', () => {
    const unique: JsonObject = {
      type: 'array',
      uniqueItems: true,
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    };
    const items = [{ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }, { a: 2 }];
    expect(validate(items, unique).map((cause) => cause.field)).toEqual(['[1]']);
  });
});
