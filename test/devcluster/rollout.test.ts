/**
 * Deployment rollouts through the real kubectl against a devcluster and its local runner,
 * which plays the Deployment and ReplicaSet controllers. Each test states what a real
 * cluster (kube-controller-manager 1.32) shows for the same commands.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRunner, type LocalRunner } from '../../operator/src/devcluster/index.js';
import { FERRY_IMAGE } from '../support/ferry.js';
import { eventually, startHarness, type Harness } from './helpers.js';

let h: Harness;
let runner: LocalRunner;
let scratch: string;

beforeAll(async () => {
  h = await startHarness();
  scratch = await mkdtemp(join(tmpdir(), 'ferry-rollout-'));
  runner = await startLocalRunner({
    server: h.cluster.url,
    ferry: FERRY_IMAGE,
    stateDir: join(scratch, 'state'),
    addressPrefix: '127.0.231.',
    serviceAddressPrefix: '127.0.232.',
  });
});

afterAll(async () => {
  await runner.stop();
  await h.stop();
  await rm(scratch, { recursive: true, force: true });
});

interface Meta {
  name: string;
  uid: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

interface ReplicaSet {
  metadata: Meta;
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
  status: { replicas: number; readyReplicas?: number };
}

/** A Deployment whose pods run `sleep` on this machine; `extra` goes into its spec. */
function deployment(name: string, image: string, extra = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
${extra}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: "${image}", command: [sleep, "600"]}]
`;
}

async function apply(name: string, text: string): Promise<void> {
  const path = join(h.dir, `${name}.yaml`);
  await writeFile(path, text);
  const result = await h.kubectl(['apply', '-f', path]);
  expect(result.stderr).toBe('');
}

async function kubectl(...args: string[]): Promise<string> {
  const result = await h.kubectl(args);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** `kubectl rollout status`, which returns once the rollout is complete. */
async function rolledOut(name: string): Promise<string> {
  return kubectl('rollout', 'status', `deployment/${name}`, '--timeout=60s');
}

async function replicaSetsOf(name: string): Promise<ReplicaSet[]> {
  const uid = (
    JSON.parse(await kubectl('get', 'deployment', name, '-o', 'json')) as { metadata: Meta }
  ).metadata.uid;
  const list = JSON.parse(await kubectl('get', 'rs', '-o', 'json')) as { items: ReplicaSet[] };
  return list.items.filter((rs) =>
    rs.metadata.ownerReferences?.some((owner) => owner.uid === uid && owner.controller === true),
  );
}

async function podsOf(replicaSet: ReplicaSet): Promise<{ metadata: Meta }[]> {
  const list = JSON.parse(await kubectl('get', 'pods', '-o', 'json')) as {
    items: { metadata: Meta }[];
  };
  return list.items.filter((pod) =>
    pod.metadata.ownerReferences?.some((owner) => owner.uid === replicaSet.metadata.uid),
  );
}

const revisionOf = (rs: ReplicaSet | undefined): string | undefined =>
  rs?.metadata.annotations?.['deployment.kubernetes.io/revision'];

/** `kubectl rollout history`'s rows as [revision, change-cause]. */
async function history(name: string): Promise<string[][]> {
  const text = await kubectl('rollout', 'history', `deployment/${name}`);
  return text
    .split('\n')
    .slice(2)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [revision = '', ...cause] = line.trim().split(/\s+/);
      return [revision, cause.join(' ')];
    });
}

describe('kubectl rollout', () => {
  // A Deployment's pods belong to a ReplicaSet `<deployment>-<pod-template-hash>` that
  // the Deployment controls; its pods carry the same hash label and are its own.
  it('status waits for a Deployment made of a ReplicaSet and its pods', async () => {
    await apply('web', deployment('web', 'busybox:1'));
    expect(await rolledOut('web')).toContain('deployment "web" successfully rolled out');
    const [rs, ...others] = await replicaSetsOf('web');
    expect(others).toEqual([]);
    const hash = rs?.metadata.labels?.['pod-template-hash'] ?? '';
    expect(rs?.metadata.name).toBe(`web-${hash}`);
    expect(revisionOf(rs)).toBe('1');
    expect(rs?.status).toMatchObject({ replicas: 2, readyReplicas: 2 });
    const pods = await podsOf(rs as ReplicaSet);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(pod.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    }
    const table = await kubectl('get', 'rs', `web-${hash}`);
    expect(table.split('\n')[0]?.split(/\s+/)).toEqual([
      'NAME',
      'DESIRED',
      'CURRENT',
      'READY',
      'AGE',
    ]);
    expect(table.split('\n')[1]?.split(/\s+/).slice(0, 4)).toEqual([`web-${hash}`, '2', '2', '2']);
  });

  // Each template change makes a new ReplicaSet at the next revision; the Deployment's
  // kubernetes.io/change-cause is copied to it, which is what history's column shows.
  it('history lists each revision with its change cause', async () => {
    await kubectl('set', 'image', 'deployment/web', 'main=busybox:2');
    await kubectl('annotate', 'deployment/web', 'kubernetes.io/change-cause=move to busybox 2');
    await rolledOut('web');
    expect(await history('web')).toEqual([
      ['1', '<none>'],
      ['2', 'move to busybox 2'],
    ]);
    const detail = await kubectl('rollout', 'history', 'deployment/web', '--revision=2');
    expect(detail).toContain('Image:\tbusybox:2');
    const sets = await replicaSetsOf('web');
    expect(sets.map((rs) => [revisionOf(rs), rs.spec.replicas]).sort()).toEqual([
      ['1', 0],
      ['2', 2],
    ]);
    const deploymentRevision = await kubectl(
      'get',
      'deployment',
      'web',
      '-o',
      "jsonpath={.metadata.annotations['deployment\\.kubernetes\\.io/revision']}",
    );
    expect(deploymentRevision).toBe('2');
  });

  // Undo puts the previous ReplicaSet's template back; the controller finds that
  // ReplicaSet again (no new one), moves it to the next revision and records the old
  // one in deployment.kubernetes.io/revision-history.
  it('undo rolls back to the previous ReplicaSet, which takes the next revision', async () => {
    const first = (await replicaSetsOf('web')).find((rs) => revisionOf(rs) === '1');
    expect(await kubectl('rollout', 'undo', 'deployment/web')).toContain(
      'deployment.apps/web rolled back',
    );
    await rolledOut('web');
    const image = await kubectl(
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    expect(image).toBe('busybox:1');
    expect((await history('web')).map(([revision]) => revision)).toEqual(['2', '3']);
    const sets = await replicaSetsOf('web');
    expect(sets).toHaveLength(2);
    const current = sets.find((rs) => revisionOf(rs) === '3');
    expect(current?.metadata.name).toBe(first?.metadata.name);
    expect(current?.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(await podsOf(current as ReplicaSet)).toHaveLength(2);
    const skipped = await kubectl('rollout', 'undo', 'deployment/web', '--to-revision=3');
    expect(skipped).toContain('skipped rollback (current template already matches revision 3)');
  });

  // A paused Deployment starts no rollout (no new ReplicaSet), reports Progressing
  // Unknown/DeploymentPaused, and kubectl refuses to undo it; resuming rolls out.
  it('pause holds a template change back until resume', async () => {
    await kubectl('rollout', 'pause', 'deployment/web');
    await kubectl('set', 'image', 'deployment/web', 'main=busybox:3');
    await eventually(async () => {
      const progressing = await kubectl(
        'get',
        'deployment',
        'web',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}',
      );
      return progressing === 'DeploymentPaused';
    }, 20_000);
    expect(await replicaSetsOf('web')).toHaveLength(2);
    const undo = await h.kubectl(['rollout', 'undo', 'deployment/web']);
    expect(undo.code).not.toBe(0);
    expect(undo.stderr).toContain('you cannot rollback a paused deployment');
    await kubectl('rollout', 'resume', 'deployment/web');
    await rolledOut('web');
    const sets = await replicaSetsOf('web');
    const newest = sets.find((rs) => revisionOf(rs) === '4');
    expect(newest?.spec.template.spec.containers[0]?.image).toBe('busybox:3');
  });

  // Old ReplicaSets scaled to 0 beyond spec.revisionHistoryLimit are deleted, lowest
  // revision first.
  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    await kubectl('patch', 'deployment/web', '-p', '{"spec":{"revisionHistoryLimit":1}}');
    await kubectl('set', 'image', 'deployment/web', 'main=busybox:4');
    await rolledOut('web');
    await eventually(async () => (await replicaSetsOf('web')).length === 2, 20_000);
    const revisions = (await replicaSetsOf('web')).map(revisionOf).sort();
    expect(revisions).toEqual(['4', '5']);
  });

  // spec.replicas 0 scales the ReplicaSet to 0 and removes every pod; the Deployment stays.
  it('scale to 0 leaves the ReplicaSet with no pods', async () => {
    await kubectl('scale', 'deployment/web', '--replicas=0');
    await rolledOut('web');
    await eventually(async () => {
      const current = (await replicaSetsOf('web')).find((rs) => revisionOf(rs) === '5');
      return current?.spec.replicas === 0 && (await podsOf(current)).length === 0;
    }, 20_000);
    const ready = await kubectl('get', 'deployment', 'web', '-o', 'jsonpath={.status.replicas}');
    expect(ready).toBe('');
  });

  // Recreate scales the old ReplicaSet to 0 and waits for its pods to go before the new
  // ReplicaSet gets any: old and new pods never run side by side.
  it('Recreate never runs old and new pods together', async () => {
    await apply('again', deployment('again', 'busybox:1', '  strategy: {type: Recreate}'));
    await rolledOut('again');
    const [old] = await replicaSetsOf('again');
    // kubectl prints lists without their resourceVersion: ask the API for it.
    const list = await fetch(`${h.cluster.url}/api/v1/namespaces/default/pods`);
    const since = ((await list.json()) as { metadata: { resourceVersion: string } }).metadata
      .resourceVersion;
    await kubectl('set', 'image', 'deployment/again', 'main=busybox:2');
    await rolledOut('again');
    const next = (await replicaSetsOf('again')).find((rs) => rs.metadata.uid !== old?.metadata.uid);
    expect(await podsOf(old as ReplicaSet)).toEqual([]);
    expect(await podsOf(next as ReplicaSet)).toHaveLength(2);
    // Every pod of the new ReplicaSet was created after the last old pod stopped running.
    // As recreate.go's oldPodsRunning has it, an old pod stops running when it is gone or
    // its phase is terminal (Succeeded, Failed): its object may outlive its processes.
    const events = await podEventsSince(since, 'again');
    const of = (rs: ReplicaSet | undefined, stage: (event: PodEvent) => boolean) =>
      events.filter(
        (event) => event.pod.startsWith(`${rs?.metadata.name ?? '?'}-`) && stage(event),
      );
    const stopped = (event: PodEvent) =>
      event.type === 'DELETED' || event.phase === 'Succeeded' || event.phase === 'Failed';
    const oldStops = new Map<string, number>();
    for (const event of of(old, stopped))
      if (!oldStops.has(event.pod)) oldStops.set(event.pod, event.at);
    const added = of(next, (event) => event.type === 'ADDED').map((event) => event.at);
    expect(oldStops.size).toBe(2);
    expect(of(old, (event) => event.type === 'DELETED')).toHaveLength(2);
    expect(added).toHaveLength(2);
    expect(Math.max(...oldStops.values())).toBeLessThan(Math.min(...added));
  });

  // Deleting a Deployment deletes its ReplicaSets and their pods (the garbage collector
  // follows the ownerReferences).
  it('delete takes the ReplicaSets and pods with the Deployment', async () => {
    await kubectl('delete', 'deployment', 'again');
    await eventually(async () => {
      const sets = JSON.parse(await kubectl('get', 'rs', '-l', 'app=again', '-o', 'json')) as {
        items: unknown[];
      };
      const pods = JSON.parse(await kubectl('get', 'pods', '-l', 'app=again', '-o', 'json')) as {
        items: unknown[];
      };
      return sets.items.length === 0 && pods.items.length === 0;
    }, 20_000);
  });
});

interface PodEvent {
  type: string;
  pod: string;
  phase: string | undefined;
  at: number;
}

/** The pod events labelled `app=<name>` since resourceVersion `since`, in order. */
async function podEventsSince(since: string, name: string): Promise<PodEvent[]> {
  const response = await fetch(
    `${h.cluster.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${since}&labelSelector=app%3D${name}&timeoutSeconds=1`,
  );
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const event = JSON.parse(line) as {
        type: string;
        object: {
          metadata: { name: string; resourceVersion: string };
          status?: { phase?: string };
        };
      };
      return {
        type: event.type,
        pod: event.object.metadata.name,
        phase: event.object.status?.phase,
        at: Number(event.object.metadata.resourceVersion),
      };
    });
}
