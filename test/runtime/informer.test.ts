import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinResources } from '../../operator/src/runtime/resource.js';
import { Informer, type InformerEvent } from '../../operator/src/runtime/informer.js';
import { eventually, startCluster, type TestCluster } from '../support/cluster.js';

const CM = BuiltinResources.configMap;

function configMap(name: string, value: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { value },
  };
}

describe('Informer against a devcluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  function track(informer: Informer<V1ConfigMap>): string[] {
    const seen: string[] = [];
    informer.onEvent((event: InformerEvent<V1ConfigMap>) => {
      seen.push(
        `${event.type} ${event.object.metadata?.name ?? ''}=${event.object.data?.value ?? ''}`,
      );
    });
    return seen;
  }

  it('lists, then sees adds, updates and deletes through the watch', async () => {
    await cluster.client.create(configMap('before', '1'), 'test');
    const informer = new Informer<V1ConfigMap>(cluster.client, CM, { namespace: 'default' });
    const seen = track(informer);
    informer.start();
    await informer.waitForSync();
    expect(informer.get('default', 'before')?.data).toEqual({ value: '1' });

    await cluster.client.create(configMap('after', 'a'), 'test');
    await cluster.client.mergePatch(CM, 'default', 'after', { data: { value: 'b' } }, 'test');
    await cluster.client.delete(CM, 'default', 'before');
    await eventually(() => seen.length >= 4, 5000, 'four events');
    expect(seen).toEqual(['add before=1', 'add after=a', 'update after=b', 'delete before=1']);
    expect(informer.list('default').map((cm) => cm.metadata?.name)).toEqual(['after']);
    expect(informer.stats.lists).toBe(1);
    await informer.stop();
    await cluster.client.delete(CM, 'default', 'after');
  });

  it('relists once after a 410 and reports what changed while it was away', async () => {
    await cluster.client.create(configMap('stays', '1'), 'test');
    await cluster.client.create(configMap('goes', '1'), 'test');
    const informer = new Informer<V1ConfigMap>(cluster.client, CM, {
      namespace: 'default',
      backoff: { initialMs: 400, maxMs: 400 },
    });
    const seen = track(informer);
    informer.start();
    await informer.waitForSync();
    await eventually(() => cluster.devcluster.openWatches > 0, 5000, 'the watch to open');

    // The watch drops and its first reconnect fails, so the informer is away (backing off
    // 200-400 ms) while objects change and history is compacted, as etcd compaction does:
    // its next watch from the old resourceVersion gets 410 Expired.
    const watchesBefore = informer.stats.watches;
    cluster.devcluster.failNextRequests(1);
    cluster.devcluster.closeWatches();
    await eventually(() => informer.stats.failures === 1, 5000, 'the failed reconnect');
    await cluster.client.delete(CM, 'default', 'goes');
    await cluster.client.mergePatch(CM, 'default', 'stays', { data: { value: '2' } }, 'test');
    cluster.devcluster.compactHistory();

    await eventually(
      () =>
        informer.get('default', 'goes') === undefined &&
        informer.get('default', 'stays')?.data?.value === '2',
      5000,
      'the relist',
    );
    expect(informer.stats.lists).toBe(2);
    expect(informer.stats.watches).toBeGreaterThan(watchesBefore);
    expect(seen.slice(2).sort()).toEqual(['delete goes=1', 'update stays=2']);

    // And it keeps watching after the relist.
    await cluster.client.create(configMap('new', 'n'), 'test');
    await eventually(() => informer.get('default', 'new'), 5000, 'the new object');
    await informer.stop();
    for (const name of ['stays', 'new']) await cluster.client.delete(CM, 'default', name);
  });

  it('keeps retrying through API errors and never stops for good', async () => {
    cluster.devcluster.failNextRequests(5);
    const informer = new Informer<V1ConfigMap>(cluster.client, CM, {
      namespace: 'default',
      backoff: { initialMs: 5, maxMs: 20 },
    });
    informer.start();
    await informer.waitForSync();
    expect(informer.stats.failures).toBeGreaterThanOrEqual(1);
    await cluster.client.create(configMap('late', 'x'), 'test');
    await eventually(() => informer.get('default', 'late'), 5000, 'the object after recovery');
    await informer.stop();
    await cluster.client.delete(CM, 'default', 'late');
  });

  it('re-announces every cached object on resync', async () => {
    await cluster.client.create(configMap('steady', 's'), 'test');
    const informer = new Informer<V1ConfigMap>(cluster.client, CM, {
      namespace: 'default',
      resyncMs: 50,
    });
    const seen = track(informer);
    informer.start();
    await eventually(
      () => seen.filter((line) => line === 'resync steady=s').length >= 2,
      5000,
      'two resyncs',
    );
    await informer.stop();
    await cluster.client.delete(CM, 'default', 'steady');
  });
});
