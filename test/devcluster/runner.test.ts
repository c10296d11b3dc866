/**
 * The local runner against a real devcluster over HTTP: Deployments of Ferry's image come
 * up as `ferry serve` processes on their own loopback addresses, and everything a user
 * would check shows through the API (Pod and Deployment status) and over HTTP.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { InferenceService, ModelVersion } from '../../operator/src/api/index.js';
import { desiredDeployment } from '../../operator/src/controllers/inference-service/workloads.js';
import { startLocalRunner, type LocalRunner } from '../../operator/src/devcluster/index.js';
import { eventually, REPO, startCluster, type TestCluster } from '../support/cluster.js';
import { FERRY_IMAGE } from '../support/ferry.js';
import { apiOf } from '../support/kubelet.js';

const PREFIX = '127.0.201.';
const NAMESPACE = 'default';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`;
const PODS = `/api/v1/namespaces/${NAMESPACE}/pods`;
const REPLICA_SETS = `/apis/apps/v1/namespaces/${NAMESPACE}/replicasets`;
const MERGE = 'application/merge-patch+json';
const SETOSA = [5.1, 3.5, 1.4, 0.2];

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: { running?: object; waiting?: { reason: string; message?: string } };
  lastState: { terminated?: { exitCode: number; message?: string } };
}

interface Pod {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
  };
}

interface Deployment {
  metadata: { name: string; uid: string; generation: number };
  spec: {
    replicas: number;
    template: {
      spec: {
        containers: { args: string[]; image: string; terminationMessagePolicy?: string }[];
      };
    };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}

let cluster: TestCluster;
let runner: LocalRunner;
let scratch: string;
let claims: string;
let modelVersion: ModelVersion;
let service: InferenceService;
const api = (): ReturnType<typeof apiOf> => apiOf(cluster.devcluster.url);
const lines: string[] = [];

beforeAll(async () => {
  cluster = await startCluster();
  // The claim's directory must hold what the artifact URI names inside it: v1/model.onnx.
  scratch = await mkdtemp(join(tmpdir(), 'ferry-runner-'));
  claims = join(REPO, 'examples', 'iris', 'models');
  modelVersion = parse(
    await readFile(join(REPO, 'examples', 'iris', 'modelversion.yaml'), 'utf8'),
  ) as ModelVersion;
  service = parseAllDocuments(
    await readFile(join(REPO, 'examples', 'iris', 'serving.yaml'), 'utf8'),
  )
    .map((document) => document.toJS() as InferenceService)
    .find((object) => object.kind === 'InferenceService') as InferenceService;
  runner = await startLocalRunner({
    server: cluster.devcluster.url,
    ferry: FERRY_IMAGE,
    stateDir: join(scratch, 'state'),
    claims: { 'ferry-models': claims },
    addressPrefix: PREFIX,
    serviceAddressPrefix: '127.0.208.',
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await runner.stop();
  await cluster.stop();
  await rm(scratch, { recursive: true, force: true });
});

/**
 * The Deployment the operator makes for an InferenceService `name`, renamed `name` and
 * without its owner (there is no InferenceService here).
 */
function deploymentFor(name: string, replicas: number, sha256?: string): object {
  const version: ModelVersion =
    sha256 === undefined
      ? modelVersion
      : {
          ...modelVersion,
          spec: { ...modelVersion.spec, artifact: { ...modelVersion.spec.artifact, sha256 } },
        };
  const deployment = desiredDeployment(
    { ...service, metadata: { ...service.metadata, name, namespace: NAMESPACE } },
    'stable',
    version,
    replicas,
    { image: 'ghcr.io/ferry-ml/ferry:0.1.0' },
  );
  // As the API receives it: plain JSON.
  const json = JSON.parse(JSON.stringify(deployment)) as { metadata: Record<string, unknown> };
  json.metadata['name'] = name;
  delete json.metadata['ownerReferences'];
  return json;
}

async function create(deployment: object): Promise<Deployment> {
  return (await api().request('POST', DEPLOYMENTS, deployment)) as Deployment;
}

async function getDeployment(name: string): Promise<Deployment> {
  return (await api().request('GET', `${DEPLOYMENTS}/${name}`)) as Deployment;
}

interface ReplicaSet {
  metadata: Pod['metadata'] & { annotations?: Record<string, string> };
  spec: { replicas: number };
}

const controls = (owner: { metadata: { uid: string } }, object: Pod | ReplicaSet): boolean =>
  object.metadata.ownerReferences?.some(
    (reference) => reference.uid === owner.metadata.uid && reference.controller === true,
  ) ?? false;

/** The ReplicaSets the Deployment controls. */
async function replicaSetsOf(deployment: Deployment): Promise<ReplicaSet[]> {
  const list = (await api().request('GET', REPLICA_SETS)) as { items: ReplicaSet[] };
  return list.items.filter((replicaSet) => controls(deployment, replicaSet));
}

/** The pods of the Deployment's ReplicaSets. */
async function podsOf(deployment: Deployment): Promise<Pod[]> {
  const replicaSets = await replicaSetsOf(deployment);
  const list = (await api().request('GET', PODS)) as { items: Pod[] };
  return list.items.filter((pod) => replicaSets.some((replicaSet) => controls(replicaSet, pod)));
}

function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((candidate) => candidate.type === type);
}

function isReady(pod: Pod): boolean {
  return condition(pod.status?.conditions, 'Ready')?.status === 'True';
}

/** Waits until the Deployment has observed its spec and has `replicas` ready pods of it. */
async function converged(name: string, replicas: number, timeoutMs = 10_000): Promise<Deployment> {
  return eventually(
    async () => {
      const deployment = await getDeployment(name);
      const status = deployment.status ?? {};
      const pods = await podsOf(deployment);
      return status.observedGeneration === deployment.metadata.generation &&
        (status.updatedReplicas ?? 0) === replicas &&
        (status.readyReplicas ?? 0) === replicas &&
        (status.replicas ?? 0) === replicas &&
        pods.length === replicas &&
        pods.every(isReady)
        ? deployment
        : undefined;
    },
    timeoutMs,
    `${name} to converge on ${replicas} ready replicas`,
  );
}

async function infer(ip: string): Promise<number> {
  const response = await fetch(`http://${ip}:8080/v2/models/iris/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [SETOSA] }],
    }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Whether anything answers on the pod address's serving port. */
async function answers(ip: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${ip}:8080/v2/health/live`, {
      signal: AbortSignal.timeout(1_000),
    });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Command lines of this test process's children that serve on one of this file's addresses. */
async function ferryChildren(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      if (/^PPid:\s+(\d+)$/m.exec(status)?.[1] !== String(process.pid)) continue;
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      if (cmdline.includes(`--host ${PREFIX}`)) found.push(cmdline);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

describe('local runner: Deployments', () => {
  it('runs a Deployment as a Ready pod that serves inferences at its own address', async () => {
    await create(deploymentFor('one', 1));
    const deployment = await converged('one', 1);
    expect(condition(deployment.status?.conditions, 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });
    expect(condition(deployment.status?.conditions, 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
    });
    expect(deployment.status?.availableReplicas).toBe(1);

    // As the Deployment controller makes them: one ReplicaSet `<deployment>-<hash>` at
    // revision 1, whose pods are `<replicaset>-<5 random>` and carry the hash label.
    const [replicaSet, ...others] = await replicaSetsOf(deployment);
    expect(others).toEqual([]);
    const hash = /^one-([a-z0-9]+)$/.exec(replicaSet?.metadata.name ?? '')?.[1];
    expect(hash).toBeDefined();
    expect(replicaSet?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(replicaSet?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'one', controller: true }),
    ]);
    const [pod] = await podsOf(deployment);
    expect(pod?.metadata.name).toMatch(new RegExp(`^one-${hash ?? ''}-[a-z0-9]{5}$`));
    expect(pod?.metadata.labels).toMatchObject({
      'ferry.dev/inference-service': 'one',
      'pod-template-hash': hash,
    });
    expect(pod?.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'ReplicaSet',
        name: replicaSet?.metadata.name,
        controller: true,
      }),
    ]);
    expect(pod?.spec.nodeName).toBe('local');
    expect(pod?.status).toMatchObject({ phase: 'Running', hostIP: '127.0.0.1' });
    expect(pod?.status?.containerStatuses?.[0]).toMatchObject({
      name: 'serve',
      ready: true,
      restartCount: 0,
      state: { running: expect.any(Object) as unknown },
    });
    const ip = pod?.status?.podIP ?? '';
    expect(ip.startsWith(PREFIX)).toBe(true);
    expect(await infer(ip)).toBe(200);
    expect(runner.pods()).toContainEqual({
      namespace: NAMESPACE,
      name: pod?.metadata.name,
      ip,
      ready: true,
      restarts: 0,
    });
  });

  it('replaces a Pod someone deletes, and stops the deleted one', async () => {
    const deployment = await converged('one', 1);
    const [pod] = await podsOf(deployment);
    const ip = pod?.status?.podIP ?? '';
    await api().request('DELETE', `${PODS}/${pod?.metadata.name ?? ''}`);
    const [replacement] = (await podsOf(await converged('one', 1))) as [Pod];
    expect(replacement.metadata.name).not.toBe(pod?.metadata.name);
    const newIp = replacement.status?.podIP ?? '';
    expect(newIp).not.toBe(ip);
    expect(await infer(newIp)).toBe(200);
    await eventually(async () => !(await answers(ip)), 10_000, 'the deleted pod to stop');
  });

  it('scales up to distinct addresses and down to nothing', async () => {
    await create(deploymentFor('scale', 1));
    await converged('scale', 1);
    await api().request('PATCH', `${DEPLOYMENTS}/scale`, { spec: { replicas: 2 } }, MERGE);
    const pods = await podsOf(await converged('scale', 2));
    const ips = pods.map((pod) => pod.status?.podIP ?? '');
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) expect(await infer(ip)).toBe(200);

    await api().request('PATCH', `${DEPLOYMENTS}/scale`, { spec: { replicas: 0 } }, MERGE);
    const deployment = await converged('scale', 0);
    expect(await podsOf(deployment)).toEqual([]);
    expect(condition(deployment.status?.conditions, 'Available')?.status).toBe('True');
    for (const ip of ips) {
      await eventually(async () => !(await answers(ip)), 10_000, `${ip} to stop answering`);
    }
  });

  it('rolls a template change out, replacing every pod', async () => {
    await create(deploymentFor('roll', 2));
    const before = await podsOf(await converged('roll', 2));
    const deployment = await getDeployment('roll');
    const args = deployment.spec.template.spec.containers[0]?.args ?? [];
    const changed = args.map((arg, index) => (args[index - 1] === '--max-batch-size' ? '8' : arg));
    expect(changed).not.toEqual(args);
    const container = { ...deployment.spec.template.spec.containers[0], args: changed };
    await api().request('PUT', `${DEPLOYMENTS}/roll`, {
      ...deployment,
      spec: {
        ...deployment.spec,
        template: {
          ...deployment.spec.template,
          spec: { ...deployment.spec.template.spec, containers: [container] },
        },
      },
    });
    // One pod at a time (maxSurge 1, maxUnavailable 0 of 2), each waiting for the last to be Ready.
    const after = await podsOf(await converged('roll', 2, 40_000));
    const oldNames = new Set(before.map((pod) => pod.metadata.name));
    expect(after.filter((pod) => oldNames.has(pod.metadata.name))).toEqual([]);
    const hashes = new Set(after.map((pod) => pod.metadata.labels?.['pod-template-hash']));
    expect(hashes.size).toBe(1);
    expect(hashes.has(before[0]?.metadata.labels?.['pod-template-hash'])).toBe(false);
    for (const pod of after) expect(await infer(pod.status?.podIP ?? '')).toBe(200);
  });

  it('follows the API server through dropped watches, compaction and failed requests', async () => {
    await converged('roll', 2);
    cluster.devcluster.failNextRequests(4);
    cluster.devcluster.compactHistory();
    cluster.devcluster.closeWatches();
    await eventually(async () => {
      await api().request('PATCH', `${DEPLOYMENTS}/roll`, { spec: { replicas: 1 } }, MERGE);
      return true;
    });
    await converged('roll', 1);
    // Pods, Deployments, ReplicaSets, Jobs and Services.
    expect(cluster.devcluster.openWatches).toBe(5);
  });

  it('keeps a pod whose model fails its digest check unready, restarting, with the reason', async () => {
    const wrong = '0'.repeat(64);
    const bad = deploymentFor('bad', 1, wrong) as Deployment;
    const serve = bad.spec.template.spec.containers[0];
    if (serve !== undefined) serve.terminationMessagePolicy = 'FallbackToLogsOnError';
    const created = await create(bad);
    const status = await eventually(
      async () => {
        const [pod] = await podsOf(created);
        const container = pod?.status?.containerStatuses?.[0];
        return container !== undefined && container.restartCount >= 2 && pod !== undefined
          ? { pod, container }
          : undefined;
      },
      15_000,
      'two restarts',
    );
    expect(isReady(status.pod)).toBe(false);
    expect(status.container.ready).toBe(false);
    expect(status.container.lastState.terminated?.exitCode).toBe(1);
    expect(status.container.lastState.terminated?.message).toContain(
      `sha256 mismatch for ${claims}/v1/model.onnx: expected ${wrong}`,
    );
    const deployment = await getDeployment('bad');
    expect(deployment.status?.readyReplicas).toBeUndefined();
    expect(condition(deployment.status?.conditions, 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });
    expect(lines.some((line) => line.includes('exited with code 1'))).toBe(true);
    // The run before the current one said why in its log, which pods/log serves.
    const previous = await fetch(
      `${cluster.devcluster.url}${PODS}/${status.pod.metadata.name}/log?previous=true`,
    );
    expect(previous.status).toBe(200);
    expect(await previous.text()).toContain('sha256 mismatch');
  });

  it('leaves pods it cannot run Pending, saying why', async () => {
    const other = deploymentFor('nginx', 1) as Deployment;
    const container = other.spec.template.spec.containers[0];
    if (container !== undefined) container.image = 'nginx:1.27';
    const nginx = await create(other);
    const configured = deploymentFor('configured', 1) as {
      spec: { template: { spec: { volumes: object[] } } };
    };
    configured.spec.template.spec.volumes[0] = { name: 'model', configMap: { name: 'model' } };
    const unmountable = await create(configured);
    for (const [deployment, message] of [
      [nginx, 'cannot know the entrypoint of "nginx:1.27"'],
      [unmountable, 'volume "model" is neither a persistentVolumeClaim nor an emptyDir'],
    ] as const) {
      const pod = await eventually(async () => {
        const [found] = await podsOf(deployment);
        return found?.status?.containerStatuses === undefined ? undefined : found;
      });
      expect(pod.status?.phase).toBe('Pending');
      expect(isReady(pod)).toBe(false);
      expect(pod.status?.containerStatuses?.[0]?.state.waiting).toMatchObject({
        reason: 'CreateContainerConfigError',
      });
      expect(pod.status?.containerStatuses?.[0]?.state.waiting?.message).toContain(message);
    }
  });

  it('stops the processes of a deleted Deployment once its pods are collected', async () => {
    const deployment = await converged('one', 1);
    const [pod] = await podsOf(deployment);
    const ip = pod?.status?.podIP ?? '';
    expect((await ferryChildren()).some((command) => command.includes(`--host ${ip} `))).toBe(true);
    await api().request('DELETE', `${DEPLOYMENTS}/one`);
    await eventually(async () => (await podsOf(deployment)).length === 0, 5_000, 'pods collected');
    await eventually(
      async () => !(await ferryChildren()).some((command) => command.includes(`--host ${ip} `)),
      10_000,
      'the process to exit',
    );
    expect(await answers(ip)).toBe(false);
  });

  it('stop() leaves no process running', async () => {
    expect((await ferryChildren()).length).toBeGreaterThan(0);
    await runner.stop();
    expect(await ferryChildren()).toEqual([]);
    expect(runner.pods()).toEqual([]);
  });
});
