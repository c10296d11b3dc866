import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../operator/src/devcluster/core/json.js';
import { schemaListShape } from '../../../operator/src/devcluster/patch/shape.js';
import {
  fromFieldsV1,
  leavesOf,
  toFieldsV1,
} from '../../../operator/src/devcluster/patch/fieldset.js';
import {
  readManagers,
  recordUpdate,
  serverSideApply,
  type Writer,
} from '../../../operator/src/devcluster/patch/managed.js';

const writer = (manager: string): Writer => ({
  manager,
  apiVersion: 'v1',
  subresource: '',
  now: '2026-01-01T00:00:00Z',
});

function owners(object: JsonObject): Record<string, string[]> {
  return Object.fromEntries(
    readManagers(object).map((entry) => [
      `${entry.manager}/${entry.operation}`,
      [...entry.fields].map((key) => (JSON.parse(key) as string[]).join('.')).sort(),
    ]),
  );
}

describe('field sets', () => {
  it('round-trips through fieldsV1 and skips server-owned metadata', () => {
    const object = {
      apiVersion: 'v1',
      kind: 'X',
      metadata: { name: 'a', uid: 'u', labels: { a: 'b' } },
      spec: { list: [1], empty: {}, x: { y: 1 } },
    };
    const leaves = leavesOf(object);
    expect(toFieldsV1(leaves)).toEqual({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': { 'f:list': {}, 'f:empty': {}, 'f:x': { 'f:y': {} } },
    });
    expect(fromFieldsV1(toFieldsV1(leaves))).toEqual(leaves);
  });
});

describe('server-side apply', () => {
  const base = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a' } };

  it('creates, then conflicts with another manager on a changed value unless forced', () => {
    const first = serverSideApply(
      undefined,
      { ...base, spec: { replicas: 1, model: 'm' } },
      writer('alice'),
      false,
    );
    if (!first.ok) throw new Error('unexpected conflict');
    expect(owners(first.object)).toEqual({ 'alice/Apply': ['spec.model', 'spec.replicas'] });

    const same = serverSideApply(
      first.object,
      { ...base, spec: { replicas: 1 } },
      writer('bob'),
      false,
    );
    expect(same.ok).toBe(true);

    const clash = serverSideApply(
      first.object,
      { ...base, spec: { replicas: 2 } },
      writer('bob'),
      false,
    );
    expect(clash).toEqual({
      ok: false,
      conflicts: [{ manager: 'alice', apiVersion: 'v1', field: '["spec","replicas"]' }],
    });

    const forced = serverSideApply(
      first.object,
      { ...base, spec: { replicas: 2 } },
      writer('bob'),
      true,
    );
    if (!forced.ok) throw new Error('force must not conflict');
    expect(forced.object['spec']).toEqual({ replicas: 2, model: 'm' });
    expect(owners(forced.object)).toEqual({
      'alice/Apply': ['spec.model'],
      'bob/Apply': ['spec.replicas'],
    });
  });

  it('removes fields the manager stopped applying unless someone else owns them', () => {
    const first = serverSideApply(
      undefined,
      { ...base, spec: { a: 1, b: 2 } },
      writer('alice'),
      false,
    );
    if (!first.ok) throw new Error('unexpected conflict');
    const shared = serverSideApply(first.object, { ...base, spec: { b: 2 } }, writer('bob'), false);
    if (!shared.ok) throw new Error('unexpected conflict');
    const second = serverSideApply(shared.object, { ...base, spec: {} }, writer('alice'), false);
    if (!second.ok) throw new Error('unexpected conflict');
    expect(second.object['spec']).toEqual({ b: 2 });
  });

  it('records updates: changed leaves move to the updater', () => {
    const first = serverSideApply(
      undefined,
      { ...base, spec: { a: 1, b: 2 } },
      writer('alice'),
      false,
    );
    if (!first.ok) throw new Error('unexpected conflict');
    const next = { ...first.object, spec: { a: 1, b: 3 } };
    recordUpdate(first.object, next, writer('kubectl-edit'));
    expect(owners(next)).toEqual({ 'alice/Apply': ['spec.a'], 'kubectl-edit/Update': ['spec.b'] });
  });
});

describe('server-side apply on associative lists', () => {
  const schema = {
    type: 'object',
    properties: {
      status: {
        type: 'object',
        properties: {
          conditions: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['type'],
            items: {
              type: 'object',
              properties: { type: { type: 'string' }, status: { type: 'string' } },
            },
          },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        },
      },
    },
  };
  const shape = schemaListShape(schema);
  const base = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a' } };
  const apply = (
    current: JsonObject | undefined,
    status: JsonObject,
    manager: string,
    force = false,
  ): JsonObject => {
    const result = serverSideApply(
      current,
      { ...base, status },
      writer(manager),
      force,
      undefined,
      shape,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.conflicts));
    return result.object;
  };

  it('keeps items applied by different managers and tracks them by key', () => {
    const first = apply(
      undefined,
      { conditions: [{ type: 'Ready', status: 'True' }], tags: ['a'] },
      'operator',
    );
    const second = apply(
      first,
      { conditions: [{ type: 'Drifted', status: 'False' }], tags: ['b'] },
      'monitor',
    );
    expect(second['status']).toEqual({
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Drifted', status: 'False' },
      ],
      tags: ['a', 'b'],
    });
    expect(owners(second)).toEqual({
      'operator/Apply': [
        'status.conditions.k:{"type":"Ready"}.status',
        'status.conditions.k:{"type":"Ready"}.type',
        'status.tags.v:"a"',
      ],
      'monitor/Apply': [
        'status.conditions.k:{"type":"Drifted"}.status',
        'status.conditions.k:{"type":"Drifted"}.type',
        'status.tags.v:"b"',
      ],
    });
    const fields = readManagers(second)[0];
    expect(toFieldsV1(fields?.fields ?? [])).toEqual({
      'f:status': {
        'f:conditions': { 'k:{"type":"Ready"}': { 'f:status': {}, 'f:type': {} } },
        'f:tags': { 'v:"a"': {} },
      },
    });
  });

  it('updates its own item in place and removes only the items it stopped applying', () => {
    const first = apply(undefined, { conditions: [{ type: 'Ready', status: 'True' }] }, 'operator');
    const second = apply(first, { conditions: [{ type: 'Drifted', status: 'False' }] }, 'monitor');
    const third = apply(second, { conditions: [{ type: 'Ready', status: 'False' }] }, 'operator');
    expect(third['status']).toEqual({
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'Drifted', status: 'False' },
      ],
    });
    const fourth = apply(third, { conditions: [] }, 'monitor');
    expect(fourth['status']).toEqual({ conditions: [{ type: 'Ready', status: 'False' }] });
  });

  it('conflicts on another manager’s item field with a different value', () => {
    const first = apply(undefined, { conditions: [{ type: 'Ready', status: 'True' }] }, 'operator');
    const clash = serverSideApply(
      first,
      { ...base, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
      writer('intruder'),
      false,
      undefined,
      shape,
    );
    expect(clash.ok).toBe(false);
    if (!clash.ok)
      expect(clash.conflicts.map((c) => c.field)).toEqual([
        '["status","conditions","k:{\\"type\\":\\"Ready\\"}","status"]',
      ]);
  });

  it('records updates per item', () => {
    const first = apply(
      undefined,
      {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'Drifted', status: 'False' },
        ],
      },
      'operator',
    );
    const next = structuredClone(first);
    (next['status'] as { conditions: { status: string }[] }).conditions[1] = {
      type: 'Drifted',
      status: 'True',
    } as never;
    recordUpdate(first, next, writer('kubectl-patch'), shape);
    expect(owners(next)['kubectl-patch/Update']).toEqual([
      'status.conditions.k:{"type":"Drifted"}.status',
    ]);
  });
});
