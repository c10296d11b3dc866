/**
 * The git sync as users meet it: the real `ferry operator` process, a real git
 * repository, the devcluster over HTTP, and kubectl reading the report.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, type TestCluster } from '../support/cluster.js';
import { NS, startFerryCluster } from '../support/ferry.js';
import { git, createRepo, startGitDaemon, type WorkRepo } from '../support/git.js';
import { configMap, readReport, reportFor } from '../support/gitops.js';
import type { Api } from '../support/kubelet.js';
import {
  FAST_LEASE_FLAGS,
  startOperator,
  type OperatorProcess,
} from '../support/operator-process.js';

const run = promisify(execFile);

const DATASET = `apiVersion: ml.ferry.dev/v1alpha1
kind: Dataset
metadata:
  name: iris
spec:
  source:
    uri: file:///data/iris.csv
`;

function settings(...entries: [name: string, value: string][]): string {
  return entries
    .map(
      ([name, value]) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`,
    )
    .join('---\n');
}

const SELF = 'ferry.dev/managed-by';

describe('ferry operator --git-dir', () => {
  let cluster: TestCluster;
  let api: Api;
  let kubeconfig: string;
  let repo: WorkRepo;
  const operators: OperatorProcess[] = [];

  beforeEach(async () => {
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    repo = await createRepo();
  });
  afterEach(async () => {
    await Promise.all(operators.splice(0).map((operator) => operator.stop('SIGKILL')));
    await cluster.stop();
  });

  async function operator(...args: string[]): Promise<OperatorProcess> {
    const started = await startOperator(kubeconfig, [
      '--leader-elect=false',
      '--git-interval',
      '200ms',
      ...args,
    ]);
    operators.push(started);
    return started;
  }

  async function createByHand(name: string, labels: Record<string, string> = {}): Promise<void> {
    await api.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels },
      data: { value: 'by hand' },
    });
  }

  it('applies a commit with labels and annotations, then prunes what the next commit drops', async () => {
    await createByHand('manual');
    const first = await repo.commit({
      'deploy/data.yaml': DATASET,
      'deploy/settings.yaml': settings(['a', '1'], ['b', '1']),
      'docs/not-synced.yaml': settings(['outside', '1']),
    });
    const running = await operator('--git-dir', repo.directory, '--git-path', 'deploy');
    await reportFor(cluster, NS, first, 'Synced');

    const a = await configMap(cluster, NS, 'a');
    expect(a?.metadata.labels?.[SELF]).toBe('gitops');
    expect(a?.metadata.annotations?.['ferry.dev/git-commit']).toBe(first);
    expect(a?.metadata.annotations?.['ferry.dev/git-path']).toBe('deploy/settings.yaml#0');
    expect((await configMap(cluster, NS, 'b'))?.metadata.annotations?.['ferry.dev/git-path']).toBe(
      'deploy/settings.yaml#1',
    );
    const dataset = (await api.request(
      'GET',
      `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/datasets/iris`,
    )) as {
      metadata: { annotations: Record<string, string>; managedFields: { manager: string }[] };
    };
    expect(dataset.metadata.annotations['ferry.dev/git-path']).toBe('deploy/data.yaml#0');
    expect(dataset.metadata.managedFields.map((entry) => entry.manager)).toContain('ferry-gitops');
    expect(await configMap(cluster, NS, 'outside')).toBeUndefined();

    const second = await repo.commit({ 'deploy/settings.yaml': settings(['a', '2']) });
    await reportFor(cluster, NS, second, 'Synced');
    expect(await configMap(cluster, NS, 'b')).toBeUndefined();
    const changed = await configMap(cluster, NS, 'a');
    expect(changed?.data?.value).toBe('2');
    expect(changed?.metadata.annotations?.['ferry.dev/git-commit']).toBe(second);
    // The Dataset's manifest did not change: it keeps the commit it was applied from.
    const unchanged = (await api.request(
      'GET',
      `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/datasets/iris`,
    )) as { metadata: { annotations: Record<string, string> } };
    expect(unchanged.metadata.annotations['ferry.dev/git-commit']).toBe(first);
    // Never pruned: an object applied by hand, without the label.
    expect((await configMap(cluster, NS, 'manual'))?.data?.value).toBe('by hand');

    const metrics = await (await fetch(`http://${running.address}/metrics`)).text();
    expect(metrics).toContain(`ferry_gitops_last_sync_info{revision="${second}"} 1`);
    expect(metrics).not.toContain(`ferry_gitops_last_sync_info{revision="${first}"}`);
    expect(metrics).toMatch(/ferry_gitops_sync_duration_seconds_count\{result="Synced"\} 2/);

    // What a user runs to read the result.
    const kubectl = await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'get',
      'configmap',
      'ferry-gitops',
      '-o',
      'jsonpath={.data.revision} {.data.result} {.data.message}',
    ]);
    expect(kubectl.stdout).toBe(
      `${second} Synced ${second.slice(0, 12)}: 1 applied, 1 unchanged, 1 pruned`,
    );
  });

  it('applies nothing from a commit with an invalid manifest, and reports file:line', async () => {
    const first = await repo.commit({
      'data.yaml': DATASET,
      'settings.yaml': settings(['a', '1']),
    });
    await operator('--git-dir', repo.directory);
    await reportFor(cluster, NS, first, 'Synced');

    const broken = await repo.commit({
      'data.yaml': `${DATASET}  formatt: csv\n`,
      'settings.yaml': settings(['a', '2'], ['c', '1']),
    });
    const report = await reportFor(cluster, NS, broken, 'Invalid');
    expect(report.problems).toBe(
      'data.yaml:8:3  Dataset/iris  .spec.formatt  unknown field "formatt"',
    );
    expect(report.lastSyncedRevision).toBe(first);
    expect((await configMap(cluster, NS, 'a'))?.data?.value).toBe('1');
    expect(await configMap(cluster, NS, 'c')).toBeUndefined();
    const invalid = await eventually(async () => {
      const events = (await api.request(
        'GET',
        `/apis/events.k8s.io/v1/namespaces/${NS}/events`,
      )) as { items: { reason: string; note: string; regarding: { name: string } }[] };
      return events.items.find((event) => event.reason === 'InvalidManifests');
    });
    expect(invalid.regarding.name).toBe('ferry-gitops');
    expect(invalid.note).toContain('data.yaml:8:3');
    const described = await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'describe',
      'configmap',
      'ferry-gitops',
    ]);
    expect(described.stdout).toMatch(/Warning\s+InvalidManifests/);
    expect(described.stdout).toMatch(/Normal\s+Synced/);
  });

  it('ignores edits in the working tree, staged or not', async () => {
    const first = await repo.commit({
      'a.yaml': settings(['a', 'committed']),
      'b.yaml': settings(['b', '1']),
    });
    await operator('--git-dir', repo.directory);
    await reportFor(cluster, NS, first, 'Synced');
    await repo.write('a.yaml', settings(['a', 'staged']));
    await git(repo.directory, 'add', 'a.yaml');
    await repo.write('a.yaml', settings(['a', 'in the working tree']));
    await repo.write('new.yaml', settings(['untracked', '1']));
    // A commit of another file only: the edits of a.yaml stay uncommitted.
    await repo.write('b.yaml', settings(['b', '2']));
    await git(repo.directory, 'commit', '--quiet', '-m', 'b only', '--', 'b.yaml');
    const second = await git(repo.directory, 'rev-parse', 'HEAD');
    await reportFor(cluster, NS, second, 'Synced');
    expect((await configMap(cluster, NS, 'b'))?.data?.value).toBe('2');
    expect((await configMap(cluster, NS, 'a'))?.data?.value).toBe('committed');
    expect(await configMap(cluster, NS, 'untracked')).toBeUndefined();
  });

  it('prunes after a restart what git dropped while the operator was down', async () => {
    const first = await repo.commit({
      'data.yaml': DATASET,
      'settings.yaml': settings(['a', '1'], ['b', '1']),
    });
    const before = await operator('--git-dir', repo.directory);
    await reportFor(cluster, NS, first, 'Synced');
    expect(await before.stop()).toBe(0);
    // No ConfigMap is declared any more: only the report remembers the kind.
    const second = await repo.commit({ 'settings.yaml': null });
    await operator('--git-dir', repo.directory);
    await reportFor(cluster, NS, second, 'Synced');
    expect(await configMap(cluster, NS, 'a')).toBeUndefined();
    expect(await configMap(cluster, NS, 'b')).toBeUndefined();
    expect(await configMap(cluster, NS, 'ferry-gitops')).toBeDefined();
  });

  it('syncs only on the leader, and on the standby once it takes over', async () => {
    const syncedBy = async (revision: string): Promise<string[]> => {
      const events = (await api.request(
        'GET',
        `/apis/events.k8s.io/v1/namespaces/${NS}/events`,
      )) as { items: { reason: string; note: string; reportingInstance: string }[] };
      return events.items
        .filter(
          (event) => event.reason === 'Synced' && event.note.startsWith(revision.slice(0, 12)),
        )
        .map((event) => event.reportingInstance);
    };
    const first = await repo.commit({ 'settings.yaml': settings(['a', '1']) });
    const leader = await operator(
      '--git-dir',
      repo.directory,
      ...FAST_LEASE_FLAGS,
      '--identity',
      'leader',
      '--leader-elect=true',
    );
    await reportFor(cluster, NS, first, 'Synced');
    await operator(
      '--git-dir',
      repo.directory,
      ...FAST_LEASE_FLAGS,
      '--identity',
      'standby',
      '--leader-elect=true',
    );
    const second = await repo.commit({ 'settings.yaml': settings(['a', '2']) });
    await reportFor(cluster, NS, second, 'Synced');
    expect(
      await eventually(async () => {
        const by = await syncedBy(second);
        return by.length > 0 ? by : undefined;
      }),
    ).toEqual(['leader']);
    expect(await leader.stop()).toBe(0); // releases the Lease
    const third = await repo.commit({ 'settings.yaml': settings(['a', '3']) });
    await reportFor(cluster, NS, third, 'Synced');
    expect(
      await eventually(async () => {
        const by = await syncedBy(third);
        return by.length > 0 ? by : undefined;
      }),
    ).toEqual(['standby']);
    expect(await syncedBy(first)).toEqual(['leader']);
  });

  it('with --git-sync=false applies nothing and leaves objects applied by someone else alone', async () => {
    await repo.commit({ 'settings.yaml': settings(['a', 'from git']) });
    await createByHand('a', { [SELF]: 'gitops' });
    await createByHand('flux-owned', { [SELF]: 'gitops' });
    const running = await operator('--git-dir', repo.directory, '--git-sync=false');
    await eventually(() => running.logs().includes('git sync is off'), 10_000, 'sync off');
    // Several polls' worth of time.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await configMap(cluster, NS, 'a'))?.data?.value).toBe('by hand');
    expect((await configMap(cluster, NS, 'flux-owned'))?.data?.value).toBe('by hand');
    expect(await readReport(cluster, NS)).toBeUndefined();
  });
});

describe('ferry operator --git-url', () => {
  it('syncs a remote served by git daemon, fetched into its cache', async () => {
    const { cluster, kubeconfig } = await startFerryCluster();
    const root = await mkdtemp(join(tmpdir(), 'ferry-daemon-'));
    const daemon = await startGitDaemon(root);
    const repo = await createRepo();
    await git(root, 'init', '--quiet', '--bare', 'models.git');
    const cacheDir = await mkdtemp(join(tmpdir(), 'ferry-cache-'));
    const running = await startOperator(kubeconfig, [
      '--leader-elect=false',
      '--git-url',
      `${daemon.url}models.git`,
      '--git-cache-dir',
      cacheDir,
      '--git-interval',
      '200ms',
    ]);
    try {
      const first = await repo.commit({ 'settings.yaml': settings(['a', '1']) });
      await git(repo.directory, 'push', '--quiet', join(root, 'models.git'), 'main');
      const report = await reportFor(cluster, NS, first, 'Synced');
      expect(report.source).toBe(`${daemon.url}models.git (branch main)`);
      expect((await configMap(cluster, NS, 'a'))?.data?.value).toBe('1');
    } finally {
      await running.stop('SIGKILL');
      await daemon.stop();
      await cluster.stop();
    }
  });

  it('never shows the token of the URL, in logs, the report or events', async () => {
    const token = 'ferrytok-Zq81Vx3Kp0Ws';
    const { cluster, kubeconfig, api } = await startFerryCluster();
    const running = await startOperator(kubeconfig, [
      '--leader-elect=false',
      '--log-level',
      'debug',
      '--git-url',
      `https://x-access-token:${token}@127.0.0.1:9/org/models.git`,
      '--git-cache-dir',
      await mkdtemp(join(tmpdir(), 'ferry-cache-')),
      '--git-interval',
      '200ms',
    ]);
    try {
      const report = await eventually(
        async () => {
          const current = await readReport(cluster, NS);
          return current?.reason === 'SourceFailed' ? current : undefined;
        },
        15_000,
        'a failed fetch',
      );
      expect(report.source).toBe('https://***@127.0.0.1:9/org/models.git (branch main)');
      expect(report.message).toContain('git fetch failed');
      await eventually(
        () => running.logs().includes('git fetch failed'),
        10_000,
        'a logged failure',
      );
      expect(running.logs()).not.toContain(token);
      expect(JSON.stringify(report)).not.toContain(token);
      const events = await eventually(
        async () => {
          const text = JSON.stringify(
            await api.request('GET', `/apis/events.k8s.io/v1/namespaces/${NS}/events`),
          );
          return text.includes('SourceFailed') ? text : undefined;
        },
        10_000,
        'a SourceFailed event',
      );
      expect(events).not.toContain(token);
    } finally {
      await running.stop('SIGKILL');
      await cluster.stop();
    }
  });
});
