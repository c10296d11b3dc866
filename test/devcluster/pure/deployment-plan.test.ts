/**
 * The Deployment controller's plan against pkg/controller/deployment (1.32): each case
 * works the real controller's arithmetic by hand (maxSurge rounds up, maxUnavailable
 * down; 25% of 4 is 1 each).
 */
import { describe, expect, it } from 'vitest';
import {
  ownedReplicaSet,
  planRollout,
  type OwnedReplicaSet,
  type RolloutPlan,
} from '../../../operator/src/devcluster/runner/deployment-plan.js';
import type { JsonObject } from '../../../operator/src/devcluster/runner/json.js';

const template = (image: string): JsonObject => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'main', image }] },
});

function deployment(image: string, spec: JsonObject = {}, annotations = {}): JsonObject {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd1', generation: 1, annotations },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: template(image),
      ...spec,
    },
    status: {},
  };
}

interface Shape {
  image: string;
  revision: number;
  replicas: number;
  current?: number;
  available?: number;
}

function replicaSet(name: string, shape: Shape): OwnedReplicaSet {
  const labelled = template(shape.image);
  (labelled['metadata'] as { labels: Record<string, string> }).labels['pod-template-hash'] = name;
  const owned = ownedReplicaSet({
    metadata: {
      name,
      uid: name,
      creationTimestamp: `2026-01-01T00:00:0${String(shape.revision)}Z`,
      annotations: { 'deployment.kubernetes.io/revision': String(shape.revision) },
    },
    spec: { replicas: shape.replicas, template: labelled },
    status: {
      replicas: shape.current ?? shape.replicas,
      availableReplicas: shape.available ?? shape.replicas,
      readyReplicas: shape.available ?? shape.replicas,
    },
  });
  if (owned === undefined) throw new Error('unreadable ReplicaSet');
  return owned;
}

function plan(
  object: JsonObject,
  replicaSets: OwnedReplicaSet[],
  runningPods: Record<string, number> = {},
): RolloutPlan {
  return planRollout({
    deployment: object,
    replicaSets,
    runningPods: new Map(Object.entries(runningPods)),
    failure: undefined,
    now: '2026-01-01T00:01:00Z',
  });
}

const scaled = (result: RolloutPlan): [string, number | undefined][] =>
  result.updates
    .filter((update) => update.replicas !== undefined)
    .map((update) => [update.replicaSet.name, update.replicas]);

const condition = (result: RolloutPlan, type: string): unknown =>
  (result.status['conditions'] as JsonObject[]).find((entry) => entry['type'] === type);

describe('planRollout: RollingUpdate (maxSurge 1, maxUnavailable 1 of 4)', () => {
  it('creates the first ReplicaSet at revision 1 with every replica', () => {
    const result = plan(deployment('v1'), []);
    expect(result.create).toMatchObject({
      metadata: {
        name: result.newName,
        labels: { app: 'web', 'pod-template-hash': result.newName.slice('web-'.length) },
        annotations: {
          'deployment.kubernetes.io/revision': '1',
          'deployment.kubernetes.io/desired-replicas': '4',
          'deployment.kubernetes.io/max-replicas': '5',
        },
        ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'd1', controller: true }],
      },
      spec: { replicas: 4 },
    });
    expect(result.revision).toBe('1');
    expect(condition(result, 'Progressing')).toMatchObject({ reason: 'NewReplicaSetCreated' });
  });

  it('copies the change cause but not the last-applied configuration to a new ReplicaSet', () => {
    const annotated = deployment(
      'v1',
      {},
      {
        'kubernetes.io/change-cause': 'first',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
      },
    );
    const annotations = (plan(annotated, []).create?.['metadata'] as JsonObject)['annotations'];
    expect(annotations).toHaveProperty(['kubernetes.io/change-cause'], 'first');
    expect(annotations).not.toHaveProperty(['kubectl.kubernetes.io/last-applied-configuration']);
  });

  it('surges one new pod over the 4 old ones, and scales no old one yet', () => {
    const old = replicaSet('a', { image: 'v1', revision: 1, replicas: 4 });
    const result = plan(deployment('v2'), [old]);
    expect(result.create).toMatchObject({
      spec: { replicas: 1 },
      metadata: { annotations: { 'deployment.kubernetes.io/revision': '2' } },
    });
    expect(scaled(result)).toEqual([]);
  });

  it('scales an old ReplicaSet down by one while the new pod is not available', () => {
    // 5 pods, 3 must stay available, 1 new unavailable: at most 1 old may go.
    const old = replicaSet('a', { image: 'v1', revision: 1, replicas: 4 });
    const next = replicaSet('b', { image: 'v2', revision: 2, replicas: 1, available: 0 });
    expect(scaled(plan(deployment('v2'), [old, next]))).toEqual([['a', 3]]);
  });

  it('surges the new ReplicaSet again once there is room', () => {
    const old = replicaSet('a', { image: 'v1', revision: 1, replicas: 3 });
    const next = replicaSet('b', { image: 'v2', revision: 2, replicas: 1 });
    expect(scaled(plan(deployment('v2'), [old, next]))).toEqual([['b', 2]]);
  });

  it('scales unhealthy old pods down first, before healthy ones', () => {
    const older = replicaSet('a', { image: 'v1', revision: 1, replicas: 2, available: 2 });
    const broken = replicaSet('b', { image: 'v2', revision: 2, replicas: 2, available: 0 });
    const next = replicaSet('c', { image: 'v3', revision: 3, replicas: 1, available: 0 });
    // 5 pods, 3 must stay available, 1 new unavailable: 1 may go, and it is b's.
    expect(scaled(plan(deployment('v3'), [older, broken, next]))).toEqual([['b', 1]]);
  });

  it('counts the Deployment status over its ReplicaSets', () => {
    const old = replicaSet('a', { image: 'v1', revision: 1, replicas: 3 });
    const next = replicaSet('b', { image: 'v2', revision: 2, replicas: 2, available: 1 });
    const result = plan(deployment('v2'), [old, next]);
    expect(result.status).toMatchObject({
      observedGeneration: 1,
      replicas: 5,
      updatedReplicas: 2,
      readyReplicas: 4,
      availableReplicas: 4,
      unavailableReplicas: 1,
    });
    expect(condition(result, 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });
    expect(condition(result, 'Progressing')).toMatchObject({
      reason: 'ReplicaSetUpdated',
      message: 'ReplicaSet "b" is progressing.',
    });
  });
});

describe('planRollout: rollback, history, pause and Recreate', () => {
  it('moves an old ReplicaSet whose template is back to the next revision', () => {
    const first = replicaSet('a', { image: 'v1', revision: 1, replicas: 0 });
    const second = replicaSet('b', { image: 'v2', revision: 2, replicas: 4 });
    const result = plan(deployment('v1'), [first, second]);
    expect(result.create).toBeUndefined();
    expect(result.newName).toBe('a');
    const update = result.updates.find((entry) => entry.replicaSet.name === 'a');
    expect(update?.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
    });
    expect(update?.replicas).toBe(1);
    expect(result.revision).toBe('3');
  });

  it('deletes old ReplicaSets past revisionHistoryLimit, lowest revision first', () => {
    const sets = [
      replicaSet('a', { image: 'v1', revision: 1, replicas: 0 }),
      replicaSet('b', { image: 'v2', revision: 2, replicas: 0 }),
      replicaSet('c', { image: 'v3', revision: 3, replicas: 4 }),
    ];
    const result = plan(deployment('v3', { revisionHistoryLimit: 1 }), sets);
    expect(result.remove.map((rs) => rs.name)).toEqual(['a']);
    expect(condition(result, 'Progressing')).toMatchObject({
      reason: 'NewReplicaSetAvailable',
      message: 'ReplicaSet "c" has successfully progressed.',
    });
  });

  it('makes no new ReplicaSet for a paused Deployment and says it is paused', () => {
    const old = replicaSet('a', { image: 'v1', revision: 1, replicas: 4 });
    const result = plan(deployment('v2', { paused: true, replicas: 2 }), [old]);
    expect(result.create).toBeUndefined();
    expect(scaled(result)).toEqual([['a', 2]]);
    expect(condition(result, 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
    });
  });

  it('Recreate: scales old down, waits for their pods, then creates the new one whole', () => {
    const recreate = deployment('v2', { strategy: { type: 'Recreate' } });
    const running = replicaSet('a', { image: 'v1', revision: 1, replicas: 4 });
    const down = plan(recreate, [running]);
    expect(scaled(down)).toEqual([['a', 0]]);
    expect(down.create).toBeUndefined();
    const stopping = replicaSet('a', { image: 'v1', revision: 1, replicas: 0, current: 0 });
    expect(plan(recreate, [stopping], { a: 1 }).create).toBeUndefined();
    expect(plan(recreate, [stopping]).create).toMatchObject({ spec: { replicas: 4 } });
  });
});
