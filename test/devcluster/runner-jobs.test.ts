/**
 * The local runner beyond Deployments, against a real devcluster over HTTP and the real
 * kubectl: Jobs by the Job controller's rules, run as host processes; Services proxied on
 * loopback; `kubectl logs`; GPUs refused or admitted against fake capacity; graceful pod
 * deletion; and no process left behind, even when the runner's host process is SIGKILLed.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DevCluster,
  startLocalRunner,
  type LocalRunner,
} from '../../operator/src/devcluster/index.js';
import { eventually, REPO } from '../support/cluster.js';
import { FERRY_IMAGE } from '../support/ferry.js';
import { apiOf } from '../support/kubelet.js';
import { startHarness, type Harness } from './helpers.js';

const NAMESPACE = 'default';
const JOBS = `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`;
const PODS = `/api/v1/namespaces/${NAMESPACE}/pods`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`;
const SERVICES = `/api/v1/namespaces/${NAMESPACE}/services`;
const MERGE = 'application/merge-patch+json';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface Terminated {
  exitCode: number;
  reason?: string;
  message?: string;
}

interface Pod {
  metadata: {
    name: string;
    uid: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
    }[];
  };
  spec: { nodeName?: string; hostname?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: Condition[];
    containerStatuses?: {
      name: string;
      restartCount: number;
      state: { terminated?: Terminated; running?: object; waiting?: { reason: string } };
      lastState: { terminated?: Terminated };
    }[];
  };
}

interface Job {
  metadata: { name: string; uid: string };
  status?: {
    startTime?: string;
    completionTime?: string;
    active?: number;
    ready?: number;
    succeeded?: number;
    failed?: number;
    terminating?: number;
    completedIndexes?: string;
    conditions?: Condition[];
  };
}

let harness: Harness;
let runner: LocalRunner;
let state: string;
const api = (): ReturnType<typeof apiOf> => apiOf(harness.cluster.url);

beforeAll(async () => {
  harness = await startHarness();
  state = await mkdtemp(join(tmpdir(), 'ferry-runner-jobs-'));
  runner = await startLocalRunner({
    server: harness.cluster.url,
    ferry: FERRY_IMAGE,
    stateDir: state,
    addressPrefix: '127.0.203.',
    serviceAddressPrefix: '127.0.204.',
  });
});

afterAll(async () => {
  await runner.stop();
  await harness.stop();
  await rm(state, { recursive: true, force: true });
});

function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((candidate) => candidate.type === type);
}

/** A Job whose one container runs `script` with /bin/sh on the host. */
function shellJob(
  name: string,
  script: string,
  spec: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
  pod: Record<string, unknown> = {},
): object {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          restartPolicy: 'Never',
          ...pod,
          containers: [
            {
              name: 'main',
              image: 'busybox:1.36',
              command: ['/bin/sh', '-c', script],
              ...container,
            },
          ],
        },
      },
    },
  };
}

/** A Deployment of `replicas` pods labelled `app: name`, each running `container`. */
function deploymentOf(name: string, replicas: number, container: Record<string, unknown>): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'busybox:1.36', ...container }] },
      },
    },
  };
}

/** A bare Pod whose one container runs `script` with /bin/sh. */
function shellPod(
  name: string,
  script: string,
  spec: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      ...spec,
      containers: [
        { ...container, name: 'main', image: 'busybox:1.36', command: ['/bin/sh', '-c', script] },
      ],
    },
  };
}

/** Waits until the API server no longer has the pod `name`. */
async function podGone(name: string): Promise<void> {
  await eventually(
    async () => {
      const list = (await api().request('GET', PODS)) as { items: Pod[] };
      return !list.items.some((pod) => pod.metadata.name === name);
    },
    15_000,
    `pod ${name} to go`,
  );
}

async function createJob(job: object): Promise<Job> {
  return (await api().request('POST', JOBS, job)) as Job;
}

async function getJob(name: string): Promise<Job> {
  return (await api().request('GET', `${JOBS}/${name}`)) as Job;
}

async function podsOf(uid: string): Promise<Pod[]> {
  const list = (await api().request('GET', PODS)) as { items: Pod[] };
  return list.items.filter((pod) =>
    pod.metadata.ownerReferences?.some((owner) => owner.uid === uid),
  );
}

/** Pods labelled `app=<app>` (a Deployment's pods belong to its ReplicaSet, not to it). */
async function podsLabelled(app: string): Promise<Pod[]> {
  const list = (await api().request('GET', PODS)) as { items: Pod[] };
  return list.items.filter((pod) => pod.metadata.labels?.['app'] === app);
}

async function jobWhen(
  name: string,
  what: string,
  test: (job: Job) => boolean,
  ms = 20_000,
): Promise<Job> {
  return eventually(
    async () => {
      const job = await getJob(name);
      return test(job) ? job : undefined;
    },
    ms,
    `${name}: ${what}`,
  );
}

const hasCondition =
  (type: string, status = 'True') =>
  (job: Job): boolean =>
    condition(job.status?.conditions, type)?.status === status;

/** Command lines of running processes that contain `marker`. */
async function processesWith(marker: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-eo', 'pid=,args=']);
  return stdout.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('local runner: Jobs', () => {
  it('runs completions as host processes with their env, workdir, claims and termination message', async () => {
    const script = [
      'mkdir -p "$OUT"',
      'pwd > "$OUT/pwd-$HOSTNAME"',
      'echo "$OUT_URI" > "$OUT/uri-$HOSTNAME"',
      'echo "$GREETING from $POD_NAME in $POD_NAMESPACE" > "$OUT/$HOSTNAME"',
      // More than kubelet keeps: only the last 4096 bytes become the message.
      'head -c 5000 /dev/zero | tr \'\\0\' x > "$FERRY_RESULT_PATH"',
      'printf done >> "$FERRY_RESULT_PATH"',
    ].join('; ');
    const created = await createJob(
      shellJob(
        'three',
        script,
        { completions: 3, parallelism: 2 },
        {
          workingDir: '/workspace/run',
          env: [
            { name: 'GREETING', value: 'hello' },
            { name: 'OUT', value: '/workspace/out' },
            { name: 'OUT_URI', value: 'file:///workspace/out' },
            { name: 'FERRY_RESULT_PATH', value: '/dev/termination-log' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
          volumeMounts: [{ name: 'work', mountPath: '/workspace' }],
        },
        { volumes: [{ name: 'work', persistentVolumeClaim: { claimName: 'scratch' } }] },
      ),
    );
    const job = await jobWhen('three', 'Complete', hasCondition('Complete'));
    expect(job.status).toMatchObject({ succeeded: 3, ready: 0, terminating: 0 });
    expect(job.status?.active).toBeUndefined();
    expect(job.status?.failed).toBeUndefined();
    expect(condition(job.status?.conditions, 'SuccessCriteriaMet')).toMatchObject({
      status: 'True',
      reason: 'CompletionsReached',
      message: 'Reached expected number of succeeded pods',
    });
    expect(condition(job.status?.conditions, 'Complete')?.reason).toBe('CompletionsReached');
    expect(Date.parse(job.status?.completionTime ?? '')).toBeGreaterThanOrEqual(
      Date.parse(job.status?.startTime ?? ''),
    );

    const pods = await podsOf(created.metadata.uid);
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.metadata.name).toMatch(/^three-[a-z0-9]{5}$/);
      expect(pod.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: 'three',
          uid: created.metadata.uid,
          controller: true,
        }),
      ]);
      expect(pod.metadata.labels).toMatchObject({ app: 'three', 'job-name': 'three' });
      expect(pod.spec.nodeName).toBe('local');
      expect(pod.status?.phase).toBe('Succeeded');
      const terminated = pod.status?.containerStatuses?.[0]?.state.terminated;
      expect(terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
      expect(terminated?.message).toBe(`${'x'.repeat(4092)}done`);
      // The claim is a directory under the state dir; the workdir is inside it.
      const out = join(state, 'claims', 'scratch', 'out');
      expect(await readFile(join(out, pod.metadata.name), 'utf8')).toBe(
        `hello from ${pod.metadata.name} in ${NAMESPACE}\n`,
      );
      expect(await readFile(join(out, `uri-${pod.metadata.name}`), 'utf8')).toBe(`file://${out}\n`);
      expect((await readFile(join(out, `pwd-${pod.metadata.name}`), 'utf8')).trim()).toBe(
        join(state, 'claims', 'scratch', 'run'),
      );
    }
  });

  it('never runs more pods at once than parallelism allows', async () => {
    const created = await createJob(
      shellJob('paced', 'sleep 1', { completions: 3, parallelism: 1 }),
    );
    let most = 0;
    await jobWhen('paced', 'Complete', (job) => {
      most = Math.max(most, job.status?.active ?? 0);
      return hasCondition('Complete')(job);
    });
    expect(most).toBe(1);
    expect(await podsOf(created.metadata.uid)).toHaveLength(3);
  });

  it('runs an Indexed Job with one pod per completion index', async () => {
    const created = await createJob(
      shellJob(
        'indexed',
        'printf "index=$JOB_COMPLETION_INDEX" > "$RESULT"',
        { completionMode: 'Indexed', completions: 3, parallelism: 3 },
        // A path is rewritten where it is a whole value (an env var here), not inside a script.
        { env: [{ name: 'RESULT', value: '/dev/termination-log' }] },
      ),
    );
    const job = await jobWhen('indexed', 'Complete', hasCondition('Complete'));
    expect(job.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    const pods = await podsOf(created.metadata.uid);
    const byIndex = new Map(
      pods.map((pod) => [
        pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'],
        pod,
      ]),
    );
    expect([...byIndex.keys()].sort()).toEqual(['0', '1', '2']);
    for (const [index, pod] of byIndex) {
      expect(pod.metadata.name).toMatch(new RegExp(`^indexed-${index ?? ''}-[a-z0-9]{5}$`));
      expect(pod.metadata.labels?.['batch.kubernetes.io/job-completion-index']).toBe(index);
      expect(pod.spec.hostname).toBe(`indexed-${index ?? ''}`);
      expect(pod.status?.containerStatuses?.[0]?.state.terminated?.message).toBe(
        `index=${index ?? ''}`,
      );
    }
  });

  it('replaces failed pods until backoffLimit, then fails with the logs as the message', async () => {
    const created = await createJob(
      shellJob(
        'failing',
        'echo "attempt on $HOSTNAME"; echo "cannot train: no data" >&2; exit 3',
        { backoffLimit: 1 },
        { terminationMessagePolicy: 'FallbackToLogsOnError' },
      ),
    );
    const job = await jobWhen('failing', 'Failed', hasCondition('Failed'));
    expect(job.status?.failed).toBe(2);
    expect(job.status?.succeeded).toBeUndefined();
    for (const type of ['FailureTarget', 'Failed']) {
      expect(condition(job.status?.conditions, type)).toMatchObject({
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      });
    }
    expect(condition(job.status?.conditions, 'Complete')).toBeUndefined();
    const pods = await podsOf(created.metadata.uid);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Failed');
      const terminated = pod.status?.containerStatuses?.[0]?.state.terminated;
      expect(terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
      expect(terminated?.message).toBe(`attempt on ${pod.metadata.name}\ncannot train: no data`);
    }
  });

  it('reports a command that does not exist as a failed start', async () => {
    await createJob({
      ...(shellJob('missing', '') as { spec: object }),
      metadata: { name: 'missing' },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'main', image: 'trainer:1', command: ['no-such-trainer-binary'] }],
          },
        },
      },
    });
    const job = await jobWhen('missing', 'Failed', hasCondition('Failed'));
    const [pod] = await podsOf(job.metadata.uid);
    expect(pod?.status?.containerStatuses?.[0]?.state.terminated).toMatchObject({
      exitCode: 128,
      reason: 'StartError',
      message: 'exec: "no-such-trainer-binary": executable file not found in $PATH',
    });
  });

  it('fails a Job that runs past activeDeadlineSeconds and stops its pod', async () => {
    const marker = `deadline-${process.pid}`;
    const created = await createJob(
      shellJob('slow', `sleep 60; echo ${marker}`, { activeDeadlineSeconds: 2, backoffLimit: 3 }),
    );
    await eventually(async () => (await processesWith(marker)).length > 0, 10_000, 'the process');
    const job = await jobWhen('slow', 'Failed', hasCondition('Failed'), 15_000);
    expect(condition(job.status?.conditions, 'Failed')).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    // The pod was deleted by the controller, so it is not a failure that counts.
    expect(job.status?.failed).toBeUndefined();
    expect(job.status?.active).toBeUndefined();
    await eventually(async () => (await processesWith(marker)).length === 0, 10_000, 'it to stop');
    await eventually(
      async () => (await podsOf(created.metadata.uid)).length === 0,
      10_000,
      'pods gone',
    );
  });

  it('creates no pods for a suspended Job and starts them when it is resumed', async () => {
    const created = await createJob(shellJob('queued', 'exit 0', { suspend: true }));
    const suspended = await jobWhen('queued', 'Suspended', hasCondition('Suspended'));
    expect(condition(suspended.status?.conditions, 'Suspended')).toMatchObject({
      reason: 'JobSuspended',
      message: 'Job suspended',
    });
    expect(suspended.status?.startTime).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await podsOf(created.metadata.uid)).toEqual([]);

    const resumedAt = Date.now();
    await api().request('PATCH', `${JOBS}/queued`, { spec: { suspend: false } }, MERGE);
    const job = await jobWhen('queued', 'Complete', hasCondition('Complete'));
    expect(condition(job.status?.conditions, 'Suspended')).toMatchObject({
      status: 'False',
      reason: 'JobResumed',
      message: 'Job resumed',
    });
    expect(Date.parse(job.status?.startTime ?? '')).toBeGreaterThanOrEqual(
      Math.floor(resumedAt / 1000) * 1000,
    );
    expect(await podsOf(created.metadata.uid)).toHaveLength(1);
  });

  it('counts active and ready pods while they run, and stops them when suspended', async () => {
    const marker = `suspend-${process.pid}`;
    const created = await createJob(
      shellJob('counted', `sleep 60; echo ${marker}`, { parallelism: 2, completions: 2 }),
    );
    const running = await jobWhen('counted', '2 ready', (job) => job.status?.ready === 2);
    expect(running.status).toMatchObject({ active: 2, ready: 2, terminating: 0 });
    expect(running.status?.startTime).toBeDefined();
    await api().request('PATCH', `${JOBS}/counted`, { spec: { suspend: true } }, MERGE);
    const suspended = await jobWhen('counted', 'Suspended', hasCondition('Suspended'));
    expect(suspended.status?.failed).toBeUndefined();
    await eventually(
      async () => (await podsOf(created.metadata.uid)).length === 0,
      15_000,
      'pods gone',
    );
    expect(await processesWith(marker)).toEqual([]);
    const after = await getJob('counted');
    expect(after.status?.active).toBeUndefined();
    expect(after.status?.failed).toBeUndefined();
  });
});

describe('local runner: kubectl logs', () => {
  it("serves a finished pod's logs, --tail, -c, --limit-bytes, --since and --timestamps", async () => {
    await createJob(
      shellJob('talker', 'for i in 1 2 3 4 5; do echo "line $i"; done; echo oops >&2'),
    );
    const job = await jobWhen('talker', 'Complete', hasCondition('Complete'));
    const [pod] = await podsOf(job.metadata.uid);
    const name = pod?.metadata.name ?? '';
    const all = await harness.kubectl(['logs', name]);
    expect(all.stderr).toBe('');
    expect(all.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\noops\n');
    expect((await harness.kubectl(['logs', name, '--tail', '2'])).stdout).toBe('line 5\noops\n');
    expect((await harness.kubectl(['logs', name, '-c', 'main', '--tail=1'])).stdout).toBe('oops\n');
    expect((await harness.kubectl(['logs', name, '--limit-bytes', '4'])).stdout).toBe('line');
    expect((await harness.kubectl(['logs', name, '--since', '1h', '--tail', '1'])).stdout).toBe(
      'oops\n',
    );
    const stamped = (await harness.kubectl(['logs', name, '--timestamps', '--tail', '1'])).stdout;
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z oops\n$/);
    const wrong = await harness.kubectl(['logs', name, '-c', 'other']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`container other is not valid for pod ${name}`);
  });

  it('follows a running container with -f until it ends', async () => {
    await createJob(shellJob('ticker', 'for i in 1 2 3; do echo "tick $i"; sleep 0.5; done'));
    const pod = await eventually(async () => {
      const job = await getJob('ticker');
      const [found] = await podsOf(job.metadata.uid);
      return found?.status?.containerStatuses?.[0]?.state.running === undefined ? undefined : found;
    });
    const follow = harness.spawnKubectl(['logs', '-f', pod.metadata.name]);
    await eventually(() => follow.output().includes('tick 1'), 10_000, 'the first tick');
    expect(follow.output()).not.toContain('tick 3');
    const result = await follow.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('tick 1\ntick 2\ntick 3\n');
  });

  it('serves the previous run with --previous, and says when there is none', async () => {
    const crasher = deploymentOf('crasher', 1, {
      command: ['/bin/sh', '-c', 'echo "run started"; sleep 0.2; exit 1'],
    });
    await api().request('POST', DEPLOYMENTS, crasher);
    const pod = await eventually(
      async () => {
        const [found] = await podsLabelled('crasher');
        return (found?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? found : undefined;
      },
      15_000,
      'a restart',
    );
    const previous = await harness.kubectl(['logs', pod.metadata.name, '--previous']);
    expect(previous.stdout).toBe('run started\n');
    await api().request('DELETE', `${DEPLOYMENTS}/crasher`);

    await createJob(shellJob('once', 'echo only'));
    const job = await jobWhen('once', 'Complete', hasCondition('Complete'));
    const [single] = await podsOf(job.metadata.uid);
    const none = await harness.kubectl(['logs', single?.metadata.name ?? '', '--previous']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain(
      `previous terminated container "main" in pod "${single?.metadata.name ?? ''}" not found`,
    );
  });
});

describe('local runner: Services on loopback', () => {
  it('gives a Service a stable loopback address that balances across its Ready pods', async () => {
    const server = [
      "require('node:http').createServer((q, s) => s.end(process.env.POD_NAME))",
      '.listen(8080, process.env.POD_IP)',
    ].join('');
    await api().request(
      'POST',
      DEPLOYMENTS,
      deploymentOf('echo', 2, {
        image: 'node:20',
        command: [process.execPath, '-e', server],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/', port: 'http' } },
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        ],
      }),
    );
    await api().request('POST', SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo' },
      spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const ingress = await eventually(
      async () => {
        const service = (await api().request('GET', `${SERVICES}/echo`)) as {
          status?: { loadBalancer?: { ingress?: { ip: string; ports?: { port: number }[] }[] } };
        };
        return service.status?.loadBalancer?.ingress?.[0];
      },
      10_000,
      'the Service address',
    );
    expect(ingress.ip).toMatch(/^127\.0\.204\.\d+$/);
    const port = ingress.ports?.[0]?.port ?? 0;
    expect([80, 10_080]).toContain(port);
    expect(runner.services()).toContainEqual({
      namespace: NAMESPACE,
      name: 'echo',
      address: ingress.ip,
      ports: { 80: port },
    });
    const ready = await eventually(
      async () => {
        const list = (await api().request('GET', PODS)) as { items: Pod[] };
        const pods = list.items.filter(
          (pod) =>
            pod.metadata.labels?.['app'] === 'echo' &&
            condition(pod.status?.conditions, 'Ready')?.status === 'True',
        );
        return pods.length === 2 ? pods : undefined;
      },
      15_000,
      'two ready pods',
    );
    const answers = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`http://${ingress.ip}:${port}/`);
      answers.add(await response.text());
    }
    expect([...answers].sort()).toEqual(ready.map((pod) => pod.metadata.name).sort());

    // With no Ready endpoint, connections are refused at once.
    await api().request('PATCH', `${DEPLOYMENTS}/echo`, { spec: { replicas: 0 } }, MERGE);
    await eventually(
      async () => {
        try {
          await fetch(`http://${ingress.ip}:${port}/`, { signal: AbortSignal.timeout(2_000) });
          return false;
        } catch {
          return true;
        }
      },
      15_000,
      'the Service to refuse',
    );
  });
});

describe('local runner: a Service skips an endpoint that refuses', () => {
  it('passes a connection on to the next Ready pod when one no longer listens', async () => {
    // Both pods are Ready (their health server answers on 8081), but only `listening`
    // serves the Service's port 8080, as a pod whose server has begun shutting down.
    const health =
      "require('node:http').createServer((q, s) => s.end('ok')).listen(8081, process.env.POD_IP);";
    const serve =
      "require('node:http').createServer((q, s) => s.end(process.env.POD_NAME)).listen(8080, process.env.POD_IP);";
    const pod = (name: string, script: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'half' } },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'node:20',
            command: [process.execPath, '-e', script],
            ports: [
              { name: 'http', containerPort: 8080 },
              { name: 'health', containerPort: 8081 },
            ],
            readinessProbe: { httpGet: { path: '/', port: 'health' } },
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
          },
        ],
      },
    });
    await api().request('POST', PODS, pod('listening', health + serve));
    await api().request('POST', PODS, pod('refusing', health));
    await api().request('POST', SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'half' },
      spec: { selector: { app: 'half' }, ports: [{ port: 80, targetPort: 'http' }] },
    });
    await eventually(
      async () => {
        const list = (await api().request('GET', PODS)) as { items: Pod[] };
        return (
          list.items.filter(
            (candidate) =>
              candidate.metadata.labels?.['app'] === 'half' &&
              condition(candidate.status?.conditions, 'Ready')?.status === 'True',
          ).length === 2
        );
      },
      15_000,
      'both pods Ready',
    );
    const address = await eventually(
      () => runner.services().find((service) => service.name === 'half'),
      10_000,
      'the Service address',
    );
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`http://${address.address}:${String(address.ports[80])}/`);
      answers.push(await response.text());
    }
    expect(answers).toEqual(Array<string>(6).fill('listening'));
  });
});

describe('local runner: graceful pod deletion', () => {
  it('shows Terminating while the process handles SIGTERM, then removes the pod', async () => {
    const marker = `graceful-${process.pid}`;
    await api().request(
      'POST',
      PODS,
      shellPod(
        'polite',
        `trap 'echo got TERM; sleep 1; echo bye; exit 0' TERM; while :; do sleep 0.1; done; : ${marker}`,
        { terminationGracePeriodSeconds: 20 },
      ),
    );
    await eventually(
      async () =>
        ((await api().request('GET', `${PODS}/polite`)) as Pod).status?.phase === 'Running',
      10_000,
      'Running',
    );
    await eventually(async () => (await processesWith(marker)).length > 0, 5_000, 'the process');
    const deletedAt = Date.now();
    const deleted = await harness.kubectl(['delete', 'pod', 'polite', '--wait=false']);
    expect(deleted.code).toBe(0);
    const listed = await harness.kubectl(['get', 'pod', 'polite']);
    expect(listed.stdout).toMatch(/polite\s+\S+\s+Terminating/);
    await podGone('polite');
    const took = Date.now() - deletedAt;
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(15_000);
    expect(await processesWith(marker)).toEqual([]);
  });

  it('runs a preStop sleep before SIGTERM, the process still running meanwhile', async () => {
    const marker = `prestop-${process.pid}`;
    const termAt = join(state, 'prestop-term-at');
    await api().request(
      'POST',
      PODS,
      shellPod(
        'prestop',
        `trap 'date +%s%N > ${termAt}; exit 0' TERM; while :; do sleep 0.1; done; : ${marker}`,
        { terminationGracePeriodSeconds: 20 },
        { lifecycle: { preStop: { sleep: { seconds: 2 } } } },
      ),
    );
    await eventually(async () => (await processesWith(marker)).length > 0, 10_000, 'the process');
    const deletedAt = Date.now();
    await api().request('DELETE', `${PODS}/prestop`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await processesWith(marker)).length).toBeGreaterThan(0);
    await podGone('prestop');
    const signalledAt = Number((await readFile(termAt, 'utf8')).trim()) / 1e6;
    expect(signalledAt - deletedAt).toBeGreaterThanOrEqual(1_900);
    expect(await processesWith(marker)).toEqual([]);
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const marker = `stubborn-${process.pid}`;
    await api().request(
      'POST',
      PODS,
      shellPod('stubborn', `trap '' TERM; while :; do sleep 0.1; done; : ${marker}`, {
        terminationGracePeriodSeconds: 2,
      }),
    );
    await eventually(async () => (await processesWith(marker)).length > 0, 10_000, 'the process');
    const deletedAt = Date.now();
    await api().request('DELETE', `${PODS}/stubborn`);
    const during = (await api().request('GET', `${PODS}/stubborn`)) as Pod;
    expect(during.metadata.deletionTimestamp).toBeDefined();
    await eventually(async () => (await processesWith(marker)).length === 0, 10_000, 'SIGKILL');
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(1_900);
    await podGone('stubborn');
  });
});

describe('local runner: GPUs', () => {
  const gpuJob = (name: string, product?: string): object =>
    shellJob(
      name,
      'sleep 1',
      {},
      { resources: { limits: { 'nvidia.com/gpu': '1' } } },
      product === undefined ? {} : { nodeSelector: { 'nvidia.com/gpu.product': product } },
    );

  it('refuses a pod that asks for a GPU when the node has none', async () => {
    const job = await createJob(gpuJob('gpu-refused'));
    const pod = await eventually(
      async () => {
        const [found] = await podsOf(job.metadata.uid);
        return condition(found?.status?.conditions, 'PodScheduled') === undefined
          ? undefined
          : found;
      },
      10_000,
      'a scheduling decision',
    );
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.status?.phase).toBe('Pending');
    expect(condition(pod.status?.conditions, 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: expect.stringContaining(
        '0/1 nodes are available: 1 Insufficient nvidia.com/gpu',
      ) as unknown,
    });
    const node = (await api().request('GET', '/api/v1/nodes/local')) as {
      status: { allocatable: Record<string, string> };
    };
    expect(node.status.allocatable['nvidia.com/gpu']).toBeUndefined();
  });

  it('admits GPU pods against fake GPUs, one at a time for one GPU', async () => {
    const cluster = await DevCluster.start();
    const dir = await mkdtemp(join(tmpdir(), 'ferry-runner-gpus-'));
    const gpuRunner = await startLocalRunner({
      server: cluster.url,
      ferry: FERRY_IMAGE,
      stateDir: dir,
      addressPrefix: '127.0.205.',
      serviceAddressPrefix: '127.0.206.',
      fakeGpus: { count: 1, product: 'NVIDIA-A100-SXM4-80GB' },
    });
    const gpuApi = apiOf(cluster.url);
    try {
      const node = (await gpuApi.request('GET', '/api/v1/nodes/local')) as {
        metadata: { labels: Record<string, string> };
        status: { capacity: Record<string, string>; allocatable: Record<string, string> };
      };
      expect(node.status.allocatable['nvidia.com/gpu']).toBe('1');
      expect(node.status.capacity['nvidia.com/gpu']).toBe('1');
      expect(node.metadata.labels['nvidia.com/gpu.product']).toBe('NVIDIA-A100-SXM4-80GB');

      for (const name of ['gpu-a', 'gpu-b'])
        await gpuApi.request('POST', JOBS, gpuJob(name, 'NVIDIA-A100-SXM4-80GB'));
      await gpuApi.request('POST', JOBS, gpuJob('gpu-wrong-product', 'NVIDIA-H100'));
      const jobs = async (): Promise<Record<string, Job>> => {
        const list = (await gpuApi.request('GET', JOBS)) as { items: Job[] };
        return Object.fromEntries(list.items.map((job) => [job.metadata.name, job]));
      };
      // One GPU: while one job runs, the other waits, unschedulable.
      const waiting = await eventually(
        async () => {
          const list = (await gpuApi.request('GET', PODS)) as { items: Pod[] };
          return list.items.find(
            (pod) =>
              pod.metadata.name.startsWith('gpu-') &&
              !pod.metadata.name.startsWith('gpu-wrong') &&
              condition(pod.status?.conditions, 'PodScheduled')?.status === 'False',
          );
        },
        10_000,
        'a pod waiting for the GPU',
      );
      expect(condition(waiting.status?.conditions, 'PodScheduled')?.message).toContain(
        'Insufficient nvidia.com/gpu',
      );
      await eventually(
        async () => {
          const all = await jobs();
          return ['gpu-a', 'gpu-b'].every((name) =>
            hasCondition('Complete')(all[name] ?? ({} as Job)),
          );
        },
        20_000,
        'both GPU jobs to complete',
      );
      const list = (await gpuApi.request('GET', PODS)) as { items: Pod[] };
      const wrong = list.items.find((pod) => pod.metadata.name.startsWith('gpu-wrong-product'));
      expect(condition(wrong?.status?.conditions, 'PodScheduled')?.message).toContain(
        "didn't match Pod's node affinity/selector",
      );
    } finally {
      await gpuRunner.stop();
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('local runner: restarted on the same state dir', () => {
  it('runs a pod that was running again as its next restart, keeping the earlier log', async () => {
    const cluster = await DevCluster.start();
    const dir = await mkdtemp(join(tmpdir(), 'ferry-runner-restart-'));
    const options = {
      server: cluster.url,
      ferry: FERRY_IMAGE,
      stateDir: dir,
      addressPrefix: '127.0.209.',
      serviceAddressPrefix: '127.0.210.',
    };
    const restartApi = apiOf(cluster.url);
    let first: LocalRunner | undefined = await startLocalRunner(options);
    let second: LocalRunner | undefined;
    try {
      await restartApi.request(
        'POST',
        PODS,
        shellPod('survivor', 'echo "up at $(date +%s%N)"; sleep 100'),
      );
      const running = async (restarts: number): Promise<Pod | undefined> => {
        const pod = (await restartApi.request('GET', `${PODS}/survivor`)) as Pod;
        const status = pod.status?.containerStatuses?.[0];
        return status?.state.running !== undefined && status.restartCount === restarts
          ? pod
          : undefined;
      };
      const logs = async (query: string): Promise<string> =>
        (await fetch(`${cluster.url}${PODS}/survivor/log${query}`)).text();
      await eventually(() => running(0), 10_000, 'the first run');
      // Running means the shell started, not that it has echoed yet: the earlier log can
      // only be kept once it has been written.
      await eventually(async () => /^up at \d+\n$/.test(await logs('')), 5_000, 'the first log');
      await first.stop();
      first = undefined;
      second = await startLocalRunner(options);
      await eventually(() => running(1), 10_000, 'the run after the restart');
      expect(await logs('?previous=true')).toMatch(/^up at \d+\n$/);
      await eventually(async () => /^up at \d+\n$/.test(await logs('')), 5_000, 'the new log');
      expect(await logs('')).not.toBe(await logs('?previous=true'));
    } finally {
      await first?.stop();
      await second?.stop();
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('local runner: no process outlives it', () => {
  it('leaves no child running after its host process is SIGKILLed', async () => {
    const cluster = await DevCluster.start();
    const dir = await mkdtemp(join(tmpdir(), 'ferry-runner-host-'));
    const marker = `orphan-check-${process.pid}`;
    // A duration no other process on the machine is likely to sleep for.
    const seconds = 100_000 + (process.pid % 100_000);
    const host = spawn(
      process.execPath,
      [join(REPO, 'test', 'fixtures', 'runner', 'host.js'), cluster.url, dir],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let output = '';
      host.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await eventually(() => output.includes('ready'), 15_000, 'the runner to start');
      const hostApi = apiOf(cluster.url);
      await hostApi.request(
        'POST',
        JOBS,
        shellJob('sleepers', `sleep ${seconds} & sleep ${seconds}; : ${marker}`, {
          parallelism: 2,
          completions: 2,
        }),
      );
      // Two pods, each a shell (with the marker) and its two sleeps.
      const sleeps = async (): Promise<string[]> =>
        (await processesWith(`sleep ${seconds}`)).filter((line) =>
          line.trim().endsWith(` sleep ${seconds}`),
        );
      await eventually(async () => (await sleeps()).length === 4, 15_000, 'both pods');
      expect((await processesWith(marker)).length).toBeGreaterThanOrEqual(2);
      host.kill('SIGKILL');
      await new Promise((resolve) => host.once('exit', resolve));
      await eventually(
        async () => (await processesWith(marker)).length === 0,
        10_000,
        'no orphans',
      );
      expect(await sleeps()).toEqual([]);
    } finally {
      host.kill('SIGKILL');
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
