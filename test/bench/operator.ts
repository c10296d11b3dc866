/**
 * `npm run bench operator`: the real `ferry operator` process against a devcluster, with
 * this script playing kubelet. Prints the time for 1,000 TrainingJobs to reach Succeeded
 * with their ModelVersions, the writes a full resync of converged objects makes (target
 * 0), API requests per second at idle (target ≤ 1), and the operator's RSS (≤ 150 MiB).
 *
 * Continuous training: the same 1,000 TrainingJobs each take 3 runs (the 2nd and 3rd
 * asked for with `ferry.dev/run`), so 3,000 numbered versions are registered; it prints
 * the time to register them all, the operator's writes per run and its RSS, each as a
 * ratio to the single-run case measured in the same invocation.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO, startCluster } from '../support/cluster.js';
import { apiOf, jobCondition, runPod, setJobStatus } from '../support/kubelet.js';
import { startOperator, writeKubeconfig } from '../support/operator-process.js';

const JOBS = Number(process.env.FERRY_BENCH_JOBS ?? 1000);
const RUNS = 3;
const RESYNC = '5s';
const RESULT = JSON.stringify({
  metrics: { accuracy: 0.9 },
  artifact: 'model.onnx',
  sha256: '9d824ae4eb7a6bfd61e8a857f9442f027d13ee9992b58182793b51b30e229f2e',
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** The operator's live JavaScript heap, from its own `nodejs_heap_size_used_bytes` metric. */
async function heapUsedOf(address: string): Promise<number> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const bytes = Number(/^nodejs_heap_size_used_bytes\s+(\S+)/m.exec(text)?.[1] ?? NaN);
  return bytes / 1024 / 1024;
}

interface Figures {
  trainingSeconds: number;
  /** Writes the operator made (everything but this script's and Lease renewals) per run. */
  writesPerRun: number;
  writes: string[];
  perSecond: number;
  leasePerSecond: number;
  rssMiB: number;
  heapUsedMiB: number;
}

/**
 * Node flags the README recommends for the operator (NODE_OPTIONS): a 1 MiB young
 * generation and a 128 MiB old generation keep RSS down, at the cost of more frequent
 * collections. The old-generation cap must grow with the cluster: the bench prints the live
 * heap, so the headroom is visible.
 */
export const DEPLOYED_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=128'];

export async function run(): Promise<void> {
  const deployed = await scenario(DEPLOYED_NODE_FLAGS, 1);
  const continuous = await scenario(DEPLOYED_NODE_FLAGS, RUNS);
  const defaults = await scenario([], 1);
  const f = deployed;
  console.log(
    `TrainingJobs to Succeeded with ModelVersions: ${JOBS} in ${f.trainingSeconds.toFixed(1)} s (target ≤ 60 s; ${(f.trainingSeconds / 60).toFixed(2)}× the budget)`,
  );
  console.log(
    `writes during two full resyncs of ${JOBS + 1} converged objects: ${f.writes.length} (target 0)${f.writes.length > 0 ? `: ${f.writes.slice(0, 5).join(', ')}` : ''}`,
  );
  console.log(
    `API requests at idle: ${f.perSecond.toFixed(2)}/s (target ≤ 1/s), of which Lease renewals ${f.leasePerSecond.toFixed(2)}/s`,
  );
  console.log(
    `operator RSS with ${DEPLOYED_NODE_FLAGS.join(' ')} (recommended): ${f.rssMiB.toFixed(0)} MiB (target ≤ 150 MiB; ${(f.rssMiB / 150).toFixed(2)}× the budget); live heap ${f.heapUsedMiB.toFixed(0)} MiB of the 128 MiB old-generation cap`,
  );
  console.log(
    `operator RSS with Node's default flags: ${defaults.rssMiB.toFixed(0)} MiB (${(defaults.rssMiB / 150).toFixed(2)}× the budget); ${JOBS} in ${defaults.trainingSeconds.toFixed(1)} s; live heap ${defaults.heapUsedMiB.toFixed(0)} MiB`,
  );
  const c = continuous;
  const versions = JOBS * RUNS;
  console.log(
    `continuous training: ${versions} versions (${JOBS} TrainingJobs × ${RUNS} runs) registered in ${c.trainingSeconds.toFixed(1)} s; ${(c.trainingSeconds / versions).toFixed(4)} s per version, ${(c.trainingSeconds / versions / (f.trainingSeconds / JOBS)).toFixed(2)}× the single-run case's ${(f.trainingSeconds / JOBS).toFixed(4)} s`,
  );
  console.log(
    `continuous training: ${c.writesPerRun.toFixed(2)} operator writes per run, ${(c.writesPerRun / f.writesPerRun).toFixed(2)}× the single-run case's ${f.writesPerRun.toFixed(2)}; ${c.writes.length} writes during two full resyncs of converged objects (target 0)${c.writes.length > 0 ? `: ${c.writes.slice(0, 5).join(', ')}` : ''}`,
  );
  console.log(
    `continuous training: operator RSS ${c.rssMiB.toFixed(0)} MiB with ${DEPLOYED_NODE_FLAGS.join(' ')}, ${(c.rssMiB / f.rssMiB).toFixed(2)}× the single-run case's ${f.rssMiB.toFixed(0)} MiB; live heap ${c.heapUsedMiB.toFixed(0)} MiB`,
  );
}

/** `JOBS` TrainingJobs, each taking `runs` runs; every run registers a version. */
async function scenario(nodeFlags: readonly string[], runs: number): Promise<Figures> {
  const requests: string[] = [];
  const cluster = await startCluster({ crds: true, log: (line) => requests.push(line) });
  // This script's own writes, so that the operator's can be told from them.
  let ownWrites = 0;
  const raw = apiOf(cluster.devcluster.url);
  const api: typeof raw = {
    request: async (method, ...rest) => {
      if (method !== 'GET') ownWrites += 1;
      // A connection the server reset under load is tried again, as a kubelet would.
      for (let attempt = 1; ; attempt++) {
        try {
          return await raw.request(method, ...rest);
        } catch (error) {
          if (attempt >= 3 || !(error instanceof TypeError)) throw error;
        }
      }
    },
  };
  const operator = await startOperator(
    await writeKubeconfig(cluster),
    [
      '--resync-period',
      RESYNC,
      '--log-level',
      'warn',
      '--claim',
      `ferry-data=${join(REPO, 'examples', 'iris', 'data')}`,
    ],
    { nodeFlags },
  );
  const pid = operator.child.pid ?? 0;
  try {
    await api.request('POST', '/apis/ml.ferry.dev/v1alpha1/namespaces/default/datasets', {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name: 'iris' },
      spec: { source: { uri: 'pvc://ferry-data/iris.csv' } },
    });

    const started = performance.now();
    for (let i = 0; i < JOBS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, JOBS - i) }, (_, j) =>
          api.request('POST', '/apis/ml.ferry.dev/v1alpha1/namespaces/default/trainingjobs', {
            apiVersion: 'ml.ferry.dev/v1alpha1',
            kind: 'TrainingJob',
            metadata: { name: `job-${i + j}` },
            spec: { datasetRef: { name: 'iris' }, model: 'iris', image: 'trainer:1' },
          }),
        ),
      );
    }
    // Play kubelet until every run of every job has a ModelVersion; ask for the next run
    // of a job once its previous one succeeded.
    const completed = new Set<string>();
    const requested = new Map<string, number>();
    let registered = 0;
    while (registered < JOBS * runs) {
      const jobs = (await api.request('GET', '/apis/batch/v1/namespaces/default/jobs')) as {
        items: {
          metadata: { name: string; namespace: string; uid: string };
          spec: { template: { metadata?: { labels?: Record<string, string> } } };
        }[];
      };
      const fresh = jobs.items.filter((job) => !completed.has(job.metadata.name));
      for (let i = 0; i < fresh.length; i += 25) {
        await Promise.all(
          fresh.slice(i, i + 25).map(async (job) => {
            completed.add(job.metadata.name);
            await runPod(api, job, `${job.metadata.name}-pod`, {
              phase: 'Succeeded',
              message: RESULT,
            });
            await setJobStatus(api, job, {
              succeeded: 1,
              startTime: new Date().toISOString(),
              completionTime: new Date().toISOString(),
              conditions: [jobCondition('Complete')],
            });
          }),
        );
      }
      if (runs > 1) {
        const list = (await api.request(
          'GET',
          '/apis/ml.ferry.dev/v1alpha1/namespaces/default/trainingjobs',
        )) as {
          items: { metadata: { name: string }; status?: { phase?: string; lastRun?: number } }[];
        };
        const due = list.items.filter((item) => {
          const last = item.status?.lastRun ?? 0;
          return (
            item.status?.phase === 'Succeeded' &&
            last < runs &&
            (requested.get(item.metadata.name) ?? 1) <= last
          );
        });
        for (let i = 0; i < due.length; i += 25) {
          await Promise.all(
            due.slice(i, i + 25).map(async (item) => {
              const next = (item.status?.lastRun ?? 0) + 1;
              requested.set(item.metadata.name, next);
              await api.request(
                'PATCH',
                `/apis/ml.ferry.dev/v1alpha1/namespaces/default/trainingjobs/${item.metadata.name}`,
                { metadata: { annotations: { 'ferry.dev/run': String(next) } } },
                'application/merge-patch+json',
              );
            }),
          );
        }
      }
      const versions = (await api.request(
        'GET',
        '/apis/ml.ferry.dev/v1alpha1/namespaces/default/modelversions',
      )) as { items: unknown[] };
      registered = versions.items.length;
      if (performance.now() - started > 1_200_000)
        throw new Error(`only ${registered} of ${JOBS * runs} registered after 20 minutes`);
      await sleep(200);
    }
    const trainingSeconds = (performance.now() - started) / 1000;

    // Wait for convergence: every TrainingJob Succeeded, then no write for 3 s.
    const isLease = (line: string): boolean => line.includes('/leases/');
    const isWrite = (line: string): boolean => !line.startsWith('GET ') && !isLease(line);
    for (;;) {
      const list = (await api.request(
        'GET',
        '/apis/ml.ferry.dev/v1alpha1/namespaces/default/trainingjobs',
      )) as {
        items: { status?: { phase?: string } }[];
      };
      if (list.items.every((item) => item.status?.phase === 'Succeeded')) break;
      await sleep(200);
    }
    for (let quiet = 0; quiet < 3000;) {
      const before = requests.filter(isWrite).length;
      await sleep(500);
      quiet = requests.filter(isWrite).length === before ? quiet + 500 : 0;
    }

    const writesPerRun = (requests.filter(isWrite).length - ownWrites) / (JOBS * runs);

    // Converged: two full resyncs (every 5 s here) must write nothing, and idle is quiet.
    const mark = requests.length;
    await sleep(12_000);
    const window = requests.slice(mark);
    return {
      trainingSeconds,
      writesPerRun,
      writes: window.filter(isWrite),
      perSecond: window.length / 12,
      leasePerSecond: window.filter(isLease).length / 12,
      rssMiB: await rssOf(pid),
      heapUsedMiB: await heapUsedOf(operator.address),
    };
  } finally {
    await operator.stop();
    await cluster.stop();
  }
}
