import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../operator/src/runtime/events.js';
import { withFinalizer } from '../../operator/src/runtime/finalizer.js';
import { ManualClock } from '../../operator/src/runtime/manual-clock.js';
import { BuiltinResources, type Resource } from '../../operator/src/runtime/resource.js';
import { applyIfChanged, applyStatusIfChanged } from '../../operator/src/runtime/status.js';
import { startCluster, type TestCluster } from '../support/cluster.js';

const DATASETS: Resource = {
  group: 'ml.ferry.dev',
  version: 'v1alpha1',
  kind: 'Dataset',
  plural: 'datasets',
  namespaced: true,
};
type Dataset = KubernetesObject & { status?: Record<string, unknown> };
const HASH = 'ferry.dev/applied-hash';

describe('status, finalizers and events against a devcluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ crds: true });
  });
  afterAll(async () => {
    await cluster.stop();
  });

  async function dataset(name: string): Promise<Dataset> {
    return cluster.client.create<Dataset>(
      {
        apiVersion: 'ml.ferry.dev/v1alpha1',
        kind: 'Dataset',
        metadata: { name, namespace: 'default' },
        spec: { source: { uri: 'file:///data.csv' } },
      } as Dataset,
      'test',
    );
  }
  const read = async (name: string) => cluster.client.get<Dataset>(DATASETS, 'default', name);

  it('writes status only when it changed, and removes fields it no longer sets', async () => {
    const created = await dataset('status');
    expect(
      await applyStatusIfChanged(
        cluster.client,
        DATASETS,
        created,
        { rows: 3, shortDigest: 'abc' },
        'ferry-operator',
      ),
    ).toBe(true);
    const first = await read('status');
    expect(first?.status).toEqual({ rows: 3, shortDigest: 'abc' });
    expect(
      await applyStatusIfChanged(
        cluster.client,
        DATASETS,
        first ?? created,
        { shortDigest: 'abc', rows: 3 },
        'ferry-operator',
      ),
    ).toBe(false);
    expect((await read('status'))?.metadata?.resourceVersion).toBe(
      first?.metadata?.resourceVersion,
    );
    await applyStatusIfChanged(
      cluster.client,
      DATASETS,
      first ?? created,
      { rows: 4 },
      'ferry-operator',
    );
    expect((await read('status'))?.status).toEqual({ rows: 4 });
  });

  it('applies an owned object only when its cached copy lacks what is desired', async () => {
    const deployment = (replicas: number, labels: Record<string, string>) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'owned', namespace: 'default', labels },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'owned' } },
        template: {
          metadata: { labels: { app: 'owned' } },
          spec: { containers: [{ name: 'c', image: 'ferry' }] },
        },
      },
    });
    const current = () =>
      cluster.client.get<KubernetesObject & { spec?: { replicas?: number } }>(
        BuiltinResources.deployment,
        'default',
        'owned',
      );
    const apply = async (desired: ReturnType<typeof deployment>) =>
      applyIfChanged(cluster.client, desired, await current(), 'ferry-operator', HASH);

    expect(await apply(deployment(2, { tier: 'a', track: 'x' }))).toBe(true);
    const first = await current();
    expect(await apply(deployment(2, { tier: 'a', track: 'x' }))).toBe(false);
    expect((await current())?.metadata?.resourceVersion).toBe(first?.metadata?.resourceVersion);

    // A label no longer desired is removed, as server-side apply does for dropped fields.
    expect(await apply(deployment(2, { tier: 'a' }))).toBe(true);
    expect((await current())?.metadata?.labels).toEqual({ tier: 'a' });

    // A field someone else changed is set back.
    await cluster.client.mergePatch(
      BuiltinResources.deployment,
      'default',
      'owned',
      { spec: { replicas: 5 } },
      'someone-else',
    );
    expect(await apply(deployment(2, { tier: 'a' }))).toBe(true);
    expect((await current())?.spec?.replicas).toBe(2);
  });

  it('adds the finalizer before apply, and removes it only after cleanup succeeded', async () => {
    const object = await dataset('finalized');
    const calls: string[] = [];
    const options = {
      client: cluster.client,
      resource: DATASETS,
      finalizer: 'ml.ferry.dev/finalizer',
      fieldManager: 'ferry-operator',
      apply: async (seen: Dataset) => {
        calls.push(`apply ${String(seen.metadata?.finalizers)}`);
        return Promise.resolve('applied');
      },
      cleanup: async () => {
        calls.push('cleanup');
        return Promise.resolve('cleaned');
      },
    };
    expect(await withFinalizer({ ...options, object })).toBe('applied');
    expect(calls).toEqual(['apply ml.ferry.dev/finalizer']);

    await cluster.client.delete(DATASETS, 'default', 'finalized');
    const deleting = await read('finalized');
    expect(deleting?.metadata?.deletionTimestamp).toBeDefined();

    const failing = {
      ...options,
      cleanup: () => Promise.reject(new Error('cannot delete the Job yet')),
    };
    await expect(withFinalizer({ ...failing, object: deleting ?? object })).rejects.toThrow(
      'cannot delete the Job yet',
    );
    expect((await read('finalized'))?.metadata?.finalizers).toEqual(['ml.ferry.dev/finalizer']);

    expect(await withFinalizer({ ...options, object: (await read('finalized')) ?? object })).toBe(
      'cleaned',
    );
    expect(await read('finalized')).toBeUndefined();
  });

  it('refuses a finalizer edit computed from a stale object', async () => {
    const stale = await dataset('stale');
    await cluster.client.mergePatch(
      DATASETS,
      'default',
      'stale',
      { metadata: { labels: { touched: 'yes' } } },
      'someone-else',
    );
    await expect(
      withFinalizer({
        client: cluster.client,
        resource: DATASETS,
        object: stale,
        finalizer: 'ml.ferry.dev/finalizer',
        fieldManager: 'ferry-operator',
        apply: () => Promise.resolve(undefined),
        cleanup: () => Promise.resolve(undefined),
      }),
    ).rejects.toMatchObject({ code: 409 });
    expect((await read('stale'))?.metadata?.finalizers).toBeUndefined();
  });

  it('records events.k8s.io/v1 Events and folds repeats into a series', async () => {
    const object = await dataset('eventful');
    const clock = new ManualClock(Date.parse('2026-11-22T10:00:00Z'));
    const recorder = new EventRecorder(cluster.client, {
      fieldManager: 'test',
      controller: 'ml.ferry.dev/operator',
      instance: 'test',
      clock,
    });
    const event = {
      type: 'Warning' as const,
      reason: 'DigestMismatch',
      action: 'ReadSource',
      note: 'digest differs',
    };
    await recorder.record(object, event);
    clock.advance(1000);
    await recorder.record(object, event);
    await recorder.record(object, { ...event, note: 'another note' });
    const list = await cluster.client.list<
      KubernetesObject & {
        reason?: string;
        note?: string;
        series?: { count: number };
        regarding?: { name?: string };
      }
    >(
      { group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
      { namespace: 'default' },
    );
    const mine = list.items.filter((item) => item.regarding?.name === 'eventful');
    expect(mine.map((item) => [item.note, item.series?.count])).toEqual(
      expect.arrayContaining([
        ['digest differs', 2],
        ['another note', undefined],
      ]),
    );
    expect(mine).toHaveLength(2);
  });

  it('never throws when an event cannot be recorded', async () => {
    const recorder = new EventRecorder(cluster.client, {
      fieldManager: 'test',
      controller: 'c',
      instance: 'i',
    });
    cluster.devcluster.failNextRequests(1);
    await expect(
      recorder.record(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } },
        { type: 'Normal', reason: 'R', action: 'A', note: 'n' },
      ),
    ).resolves.toBeUndefined();
  });
});
