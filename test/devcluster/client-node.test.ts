/** @kubernetes/client-node over HTTP: CRUD, the three patch types, 409s, and an informer. */
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRDS, eventually, startHarness, type Harness } from './helpers.js';
import { ApiextensionsV1Api, type V1CustomResourceDefinition } from '@kubernetes/client-node';

let h: Harness;
let core: CoreV1Api;
let custom: CustomObjectsApi;

const MV = {
  group: 'ml.ferry.dev',
  version: 'v1alpha1',
  namespace: 'default',
  plural: 'modelversions',
};

function modelVersion(name: string, version: string): Record<string, unknown> {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'ModelVersion',
    metadata: { name, labels: { 'ferry.dev/model': 'iris' } },
    spec: {
      model: 'iris',
      version,
      artifact: { uri: `file:///models/${version}.onnx`, sha256: 'a'.repeat(64) },
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<{
  code: number;
  body: { reason?: string; message?: string; details?: { causes?: { field?: string }[] } };
}> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) {
      return { code: error.code, body: JSON.parse(String(error.body)) as never };
    }
    throw error;
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  h = await startHarness();
  const config = h.cluster.kubeConfig();
  core = config.makeApiClient(CoreV1Api);
  custom = config.makeApiClient(CustomObjectsApi);
  const crds = config.makeApiClient(ApiextensionsV1Api);
  const crd = parse(
    await readFile(join(CRDS, 'ml.ferry.dev_modelversions.yaml'), 'utf8'),
  ) as V1CustomResourceDefinition;
  await crds.createCustomResourceDefinition({ body: crd });
});
afterAll(async () => h.stop());

describe('client-node CRUD on a built-in kind', () => {
  it('creates, gets, lists, replaces, patches three ways and deletes a ConfigMap', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'cm', labels: { app: 'x' } }, data: { a: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await core.readNamespacedConfigMap({ namespace: 'default', name: 'cm' })).data).toEqual(
      { a: '1' },
    );
    const listed = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'app=x',
    });
    expect(listed.items.map((item) => item.metadata?.name)).toEqual(['cm']);
    expect(Number(listed.metadata?.resourceVersion)).toBeGreaterThanOrEqual(
      Number(created.metadata?.resourceVersion),
    );

    const replaced = await core.replaceNamespacedConfigMap({
      namespace: 'default',
      name: 'cm',
      body: { metadata: created.metadata ?? {}, data: { a: '2' } },
    });
    expect(replaced.data).toEqual({ a: '2' });
    const stale = await failure(
      core.replaceNamespacedConfigMap({
        namespace: 'default',
        name: 'cm',
        body: { metadata: created.metadata ?? {}, data: { a: '3' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toBe(
      'Operation cannot be fulfilled on configmaps "cm": the object has been modified; please apply your changes to the latest version and try again',
    );

    const merged = await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'cm', body: { data: { b: 'm' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.data).toEqual({ a: '2', b: 'm' });
    const jsonPatched = await core.patchNamespacedConfigMap(
      {
        namespace: 'default',
        name: 'cm',
        body: [
          { op: 'test', path: '/data/b', value: 'm' },
          { op: 'replace', path: '/data/b', value: 'j' },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(jsonPatched.data).toEqual({ a: '2', b: 'j' });
    const failedTest = await failure(
      core.patchNamespacedConfigMap(
        {
          namespace: 'default',
          name: 'cm',
          body: [{ op: 'test', path: '/data/b', value: 'nope' }],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
    );
    expect(failedTest.code).toBe(422);
    const applied = await core.patchNamespacedConfigMap(
      {
        namespace: 'default',
        name: 'cm',
        fieldManager: 'tester',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'cm' },
          data: { c: 'apply' },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(applied.data).toEqual({ a: '2', b: 'j', c: 'apply' });
    expect(
      applied.metadata?.managedFields?.map((entry) => `${entry.manager}/${entry.operation}`),
    ).toContain('tester/Apply');
    const conflicting = await failure(
      core.patchNamespacedConfigMap(
        {
          namespace: 'default',
          name: 'cm',
          fieldManager: 'other',
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'cm' },
            data: { c: 'mine' },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      ),
    );
    expect(conflicting.code).toBe(409);
    expect(conflicting.body.message).toBe(
      'Apply failed with 1 conflict: conflict with "tester" using v1: .data.c',
    );
    const forced = await core.patchNamespacedConfigMap(
      {
        namespace: 'default',
        name: 'cm',
        fieldManager: 'other',
        force: true,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'cm' },
          data: { c: 'mine' },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(forced.data?.['c']).toBe('mine');

    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'cm' });
    const gone = await failure(core.readNamespacedConfigMap({ namespace: 'default', name: 'cm' }));
    expect(gone).toMatchObject({
      code: 404,
      body: { reason: 'NotFound', message: 'configmaps "cm" not found' },
    });
  });

  it('creates with server-side apply when the object is missing', async () => {
    const created = await core.patchNamespacedConfigMap(
      {
        namespace: 'default',
        name: 'fresh',
        fieldManager: 'tester',
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'fresh' },
          data: { x: '1' },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(created.metadata?.resourceVersion).toBeDefined();
    expect(created.metadata?.managedFields).toEqual([
      expect.objectContaining({ manager: 'tester', operation: 'Apply' }),
    ]);
  });
});

describe('client-node CRUD on a custom resource', () => {
  it('round-trips a ModelVersion and enforces resourceVersion on replace', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...MV,
      body: modelVersion('v1', '1'),
    })) as KubernetesObject & { spec: Record<string, unknown> };
    expect(created.metadata?.generation).toBe(1);
    const listed = (await custom.listNamespacedCustomObject({
      ...MV,
      labelSelector: 'ferry.dev/model=iris',
    })) as { items: KubernetesObject[] };
    expect(listed.items.map((item) => item.metadata?.name)).toEqual(['v1']);
    const replaced = (await custom.replaceNamespacedCustomObject({
      ...MV,
      name: 'v1',
      body: { ...created, spec: { ...created.spec, version: '1.0' } },
    })) as KubernetesObject;
    expect(replaced.metadata?.generation).toBe(2);
    const stale = await failure(
      custom.replaceNamespacedCustomObject({ ...MV, name: 'v1', body: created }),
    );
    expect(stale.code).toBe(409);
    const { resourceVersion: _drop, ...withoutVersion } = replaced.metadata ?? {};
    const unconditional = await failure(
      custom.replaceNamespacedCustomObject({
        ...MV,
        name: 'v1',
        body: { ...replaced, metadata: withoutVersion },
      }),
    );
    expect(unconditional.code).toBe(422);
    expect(unconditional.body.details?.causes?.[0]?.field).toBe('metadata.resourceVersion');
    const merged = (await custom.patchNamespacedCustomObject(
      { ...MV, name: 'v1', body: { spec: { primaryMetric: 'accuracy' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { spec: Record<string, unknown> };
    expect(merged.spec['primaryMetric']).toBe('accuracy');
    const strategic = await failure(
      custom.patchNamespacedCustomObject(
        { ...MV, name: 'v1', body: { spec: {} } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(strategic.code).toBe(415);
    await custom.deleteNamespacedCustomObject({ ...MV, name: 'v1' });
    expect((await failure(custom.getNamespacedCustomObject({ ...MV, name: 'v1' }))).code).toBe(404);
  });
});

describe('client-node informer', () => {
  it('sees add, update and delete, and relists once after a forced 410', async () => {
    let lists = 0;
    const listFn = async (): Promise<{
      items: V1ConfigMap[];
      metadata?: { resourceVersion?: string };
    }> => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: 'informed' });
    };
    await core.createNamespace({ body: { metadata: { name: 'informed' } } });
    const informer = makeInformer(
      h.cluster.kubeConfig(),
      '/api/v1/namespaces/informed/configmaps',
      listFn,
    );
    const seen: string[] = [];
    informer.on('add', (object) => seen.push(`add ${object.metadata?.name ?? ''}`));
    informer.on('update', (object) =>
      seen.push(`update ${object.metadata?.name ?? ''} ${object.data?.['v'] ?? ''}`),
    );
    informer.on('delete', (object) => seen.push(`delete ${object.metadata?.name ?? ''}`));
    await informer.start();
    try {
      await eventually(() => h.cluster.openWatches > 0);
      await core.createNamespacedConfigMap({
        namespace: 'informed',
        body: { metadata: { name: 'a' }, data: { v: '1' } },
      });
      await core.patchNamespacedConfigMap(
        { namespace: 'informed', name: 'a', body: { data: { v: '2' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ namespace: 'informed', name: 'a' });
      await eventually(() => seen.length === 3);
      expect(seen).toEqual(['add a', 'update a 2', 'delete a']);
      expect(lists).toBe(1);

      await core.createNamespacedConfigMap({
        namespace: 'informed',
        body: { metadata: { name: 'b' }, data: { v: '1' } },
      });
      await eventually(() => seen.length === 4);
      // A write elsewhere moves the global resourceVersion past the informer's.
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'elsewhere' } },
      });
      h.cluster.compactHistory();
      h.cluster.closeWatches();
      await eventually(() => lists === 2);
      await core.createNamespacedConfigMap({
        namespace: 'informed',
        body: { metadata: { name: 'c' } },
      });
      await eventually(() => seen.includes('add c'));
      expect(lists).toBe(2);
      expect(
        informer
          .list()
          .map((item) => item.metadata?.name)
          .sort(),
      ).toEqual(['b', 'c']);
    } finally {
      await informer.stop();
    }
  });
});
