/**
 * Live traffic to a Service, routed as kube-proxy does: each request goes to one of the
 * Ready pods the Service's selector picks at that moment (not those being deleted: an
 * EndpointSlice lists them as terminating, not ready), read through the API server.
 * Requests carry real iris rows; answers are tallied by the model version that gave them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVE_PORT } from '../../operator/src/controllers/serving-pods.js';
import { seededRandom } from '../../operator/src/data/random.js';
import { REPO } from './cluster.js';

interface PodJson {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

interface ServiceJson {
  spec: { selector: Record<string, string> };
}

/** The iris rows of the example data set, as model input. */
export const IRIS_ROWS: readonly number[][] = readFileSync(
  join(REPO, 'examples', 'iris', 'data', 'iris.csv'),
  'utf8',
)
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',').slice(0, 4).map(Number));

export interface TrafficTally {
  /** Answers by HTTP status, per model version label of the pod that answered. */
  byVersion: Map<string, Map<number, number>>;
  /** Requests that found no Ready pod, or whose connection failed. */
  unrouted: number;
}

export interface Traffic {
  tally: TrafficTally;
  stop: () => Promise<void>;
}

/** The Ready, not terminating pods that `service`'s selector picks now. */
async function readyPods(server: string, namespace: string, service: string): Promise<PodJson[]> {
  const { spec } = (await (
    await fetch(`${server}/api/v1/namespaces/${namespace}/services/${service}`)
  ).json()) as ServiceJson;
  const selector = Object.entries(spec.selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const { items } = (await (
    await fetch(
      `${server}/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
    )
  ).json()) as { items: PodJson[] };
  return items.filter(
    (pod) =>
      pod.metadata.deletionTimestamp === undefined &&
      pod.status?.podIP !== undefined &&
      pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
  );
}

/** One iris row to `pod`'s model server: the HTTP status. */
async function infer(pod: PodJson, model: string, row: readonly number[]): Promise<number> {
  const response = await fetch(
    `http://${pod.status?.podIP ?? ''}:${String(SERVE_PORT)}/v2/models/${model}/infer`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: row }],
      }),
      signal: AbortSignal.timeout(5000),
    },
  );
  await response.arrayBuffer();
  return response.status;
}

/**
 * Sends each of `rows` once, to `service`'s Ready pods in turn (read once, at the start),
 * `concurrency` at a time; resolves with the count of 200 answers.
 */
export async function sendRows(
  server: string,
  namespace: string,
  service: string,
  options: { model: string; rows: readonly (readonly number[])[]; concurrency?: number },
): Promise<number> {
  const pods = await readyPods(server, namespace, service);
  if (pods.length === 0) throw new Error(`service ${service} has no Ready pod`);
  let next = 0;
  let ok = 0;
  const workers = Array.from({ length: options.concurrency ?? 4 }, async () => {
    for (let index = next++; index < options.rows.length; index = next++) {
      const pod = pods[index % pods.length];
      if (pod !== undefined && (await infer(pod, options.model, options.rows[index] ?? [])) === 200)
        ok++;
    }
  });
  await Promise.all(workers);
  return ok;
}

/** Sends requests to `service`'s Ready pods, `concurrency` at a time, until stopped. */
export function startTraffic(
  server: string,
  namespace: string,
  service: string,
  options: { model: string; concurrency?: number } = { model: service },
): Traffic {
  const tally: TrafficTally = { byVersion: new Map(), unrouted: 0 };
  let running = true;
  let next = 0;
  const random = seededRandom(7);

  async function once(): Promise<void> {
    let pods: PodJson[];
    try {
      pods = await readyPods(server, namespace, service);
    } catch {
      pods = [];
    }
    const pod = pods[next++ % Math.max(pods.length, 1)];
    if (pod === undefined) {
      tally.unrouted++;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return;
    }
    // Rows drawn at random (seeded), apart from which pod is picked: the data file is
    // sorted by species, and a canary step that saw one stretch of it, or a pod that saw
    // every k-th row, would answer other predictions than stable for that reason alone.
    const row = IRIS_ROWS[Math.floor(random() * IRIS_ROWS.length)] ?? [];
    const version = pod.metadata.labels?.['ferry.dev/model-version'] ?? 'unknown';
    try {
      const status = await infer(pod, options.model, row);
      const counts = tally.byVersion.get(version) ?? new Map<number, number>();
      counts.set(status, (counts.get(status) ?? 0) + 1);
      tally.byVersion.set(version, counts);
    } catch {
      tally.unrouted++;
    }
  }

  const workers = Array.from({ length: options.concurrency ?? 2 }, async () => {
    while (running) await once();
  });
  return {
    tally,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}
