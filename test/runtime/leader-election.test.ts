import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../operator/src/runtime/leader-election.js';
import { BuiltinResources } from '../../operator/src/runtime/resource.js';
import {
  clientThrough,
  eventually,
  startCluster,
  startProxy,
  type TestCluster,
} from '../support/cluster.js';
import type { KubeClient } from '../../operator/src/runtime/client.js';

interface LeaseJson {
  spec?: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number };
}

describe('LeaderElector against a devcluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster.stop();
  });

  /** Short timings so failover takes about a second; the ratios are client-go's 15/10/2. */
  function candidate(
    identity: string,
    name: string,
    options: { client?: KubeClient; leaseDurationMs?: number; renewDeadlineMs?: number } = {},
  ): LeaderElector {
    return new LeaderElector({
      fieldManager: 'test',
      client: options.client ?? cluster.client,
      namespace: 'default',
      name,
      identity,
      leaseDurationMs: options.leaseDurationMs ?? 900,
      renewDeadlineMs: options.renewDeadlineMs ?? 600,
      retryPeriodMs: 100,
    });
  }

  async function holder(name: string): Promise<string | undefined> {
    const lease = await cluster.client.get<LeaseJson & { metadata?: object }>(
      BuiltinResources.lease,
      'default',
      name,
    );
    return lease?.spec?.holderIdentity;
  }

  it('elects exactly one of two candidates', async () => {
    const a = candidate('a', 'one-leader');
    const b = candidate('b', 'one-leader');
    const leaders: string[] = [];
    void a.run(() => leaders.push('a'));
    void b.run(() => leaders.push('b'));
    await eventually(() => leaders.length > 0, 5000, 'a leader');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(leaders).toHaveLength(1);
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    expect(await holder('one-leader')).toBe(leaders[0]);
    await a.stop();
    await b.stop();
  });

  it('hands over at once when the leader releases the lease on stop', async () => {
    // A lease far longer than the handover we expect, so only a release explains it.
    const long = { leaseDurationMs: 10_000, renewDeadlineMs: 6_000 };
    const a = candidate('a', 'release', long);
    const b = candidate('b', 'release', long);
    let bLeads = false;
    void a.run(() => undefined);
    await eventually(() => a.isLeader, 5000, 'a to lead');
    void b.run(() => (bLeads = true));
    const stoppedAt = Date.now();
    await a.stop();
    await eventually(() => bLeads, 5000, 'b to take over');
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    const lease = await cluster.client.get<LeaseJson & { metadata?: object }>(
      BuiltinResources.lease,
      'default',
      'release',
    );
    expect(lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.stop();
  });

  it('lets a standby take over after a leader dies without releasing', async () => {
    const proxy = await startProxy(cluster.devcluster.port);
    const a = candidate('a', 'failover', { client: clientThrough(cluster, proxy.port) });
    const b = candidate('b', 'failover');
    void a.run(() => undefined);
    await eventually(() => a.isLeader, 5000, 'a to lead');
    let bLeads = false;
    void b.run(() => (bLeads = true));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(bLeads).toBe(false); // a keeps renewing

    // a's node drops off the network: it can neither renew nor release.
    const died = Date.now();
    proxy.close();
    const signalLost = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (!a.isLeader) {
          clearInterval(check);
          resolve();
        }
      }, 10);
    });
    await eventually(() => bLeads, 5000, 'b to take over');
    const tookOver = Date.now() - died;
    expect(tookOver).toBeGreaterThanOrEqual(800); // only once the 900 ms lease has expired
    await signalLost; // and a stopped leading on its own (renew deadline)
    expect(await holder('failover')).toBe('b');
    await a.stop();
    await b.stop();
  });
});
