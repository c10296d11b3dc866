/**
 * Reads the model servers of one track directly, by pod IP, as the canary analysis needs:
 * each Ready pod's Prometheus `/metrics` and its `/v2/models/{model}/samples`. A pod that
 * does not answer in time is left out and named, never an error: the analysis then waits
 * for enough requests from the pods that do answer.
 */

import type { KubernetesObject, V1ContainerPort, V1PodCondition } from '@kubernetes/client-node';
import type { SamplesSnapshot } from '../../serving/samples.js';
import { parsePrometheusText, servingFigures, type TrackReading } from './analysis.js';
import { SERVE_PORT } from './workloads.js';

const SCRAPE_TIMEOUT_MS = 3000;

/** A model server pod as the cache holds it: its containers' ports, IP and readiness. */
export type ServingPod = KubernetesObject & {
  spec: { containers: { name: string; ports?: V1ContainerPort[] }[] };
  status: { podIP?: string; conditions?: V1PodCondition[] };
};

export interface TrackScrape extends TrackReading {
  /** Ready pods that did not answer, as `name: why`. */
  unreachable: string[];
}

type PodReading =
  | { name: string; error?: undefined; metrics: string; samples: SamplesSnapshot }
  | { name: string; error: string };

/** Ready and not terminating: a pod being deleted stays Ready while it drains. */
function isReady(pod: ServingPod): boolean {
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  return (
    pod.status.conditions?.some(
      (condition) => condition.type === 'Ready' && condition.status === 'True',
    ) ?? false
  );
}

/** `http://<podIP>:<port>` of the pod's `http` container port. */
function podAddress(pod: ServingPod): string | undefined {
  const ip = pod.status.podIP;
  if (ip === undefined || ip === '') return undefined;
  const port =
    pod.spec.containers
      .flatMap((container) => container.ports ?? [])
      .find((candidate) => candidate.name === 'http')?.containerPort ?? SERVE_PORT;
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${String(port)}`;
}

async function getText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  const body = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${String(response.status)}`);
  return body;
}

export async function scrapeTrack(
  pods: readonly ServingPod[],
  model: string,
): Promise<TrackScrape> {
  const readings = await Promise.all(
    pods.filter(isReady).map(async (pod): Promise<PodReading> => {
      const address = podAddress(pod);
      const name = pod.metadata?.name ?? '';
      if (address === undefined) return { name, error: 'no pod IP' };
      try {
        const [metrics, samples] = await Promise.all([
          getText(`${address}/metrics`),
          getText(`${address}/v2/models/${encodeURIComponent(model)}/samples`),
        ]);
        return { name, metrics, samples: JSON.parse(samples) as SamplesSnapshot };
      } catch (error) {
        return { name, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  const answered = readings.flatMap((reading) => (reading.error === undefined ? [reading] : []));
  return {
    pods: answered.map((reading) => ({
      pod: reading.name,
      figures: servingFigures(parsePrometheusText(reading.metrics)),
    })),
    samples: answered.map((reading) => reading.samples),
    unreachable: readings.flatMap((reading) =>
      reading.error === undefined ? [] : [`${reading.name}: ${reading.error}`],
    ),
  };
}
