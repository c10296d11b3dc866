/**
 * The model server pods of InferenceServices, as the controllers that read them directly
 * (the canary analysis, the DriftMonitor) cache and address them: by pod IP, Ready pods
 * only, with a bounded wait per request.
 */

import type {
  KubernetesObject,
  V1ContainerPort,
  V1Pod,
  V1PodCondition,
} from '@kubernetes/client-node';
import type { Selection } from '../runtime/manager.js';

/** The port `ferry serve` listens on in model server pods. */
export const SERVE_PORT = 8080;
/** On the Deployments, Services and pods Ferry makes for an InferenceService: its name. */
export const INFERENCE_SERVICE_LABEL = 'ferry.dev/inference-service';

const SERVER_TIMEOUT_MS = 3000;

/** A model server pod as the cache holds it: its containers' ports, IP and readiness. */
export type ServingPod = KubernetesObject & {
  spec: { containers: { name: string; ports?: V1ContainerPort[] }[] };
  status: { podIP?: string; conditions?: V1PodCondition[] };
};

/** The model servers' pods, trimmed to what is read of them: IP, ports and readiness. */
export const ServingPods: Selection = {
  labelSelector: INFERENCE_SERVICE_LABEL,
  transform: <O extends KubernetesObject>(object: O): O => {
    const pod = object as V1Pod;
    const slim: ServingPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: pod.metadata ?? {},
      spec: {
        containers: (pod.spec?.containers ?? []).map((container) => ({
          name: container.name,
          ...(container.ports === undefined ? {} : { ports: container.ports }),
        })),
      },
      status: {
        ...(pod.status?.podIP === undefined ? {} : { podIP: pod.status.podIP }),
        ...(pod.status?.conditions === undefined ? {} : { conditions: pod.status.conditions }),
      },
    };
    return slim as unknown as O;
  },
};

/** Ready and not terminating: a pod being deleted stays Ready while it drains. */
export function isReadyPod(pod: ServingPod): boolean {
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  return (
    pod.status.conditions?.some(
      (condition) => condition.type === 'Ready' && condition.status === 'True',
    ) ?? false
  );
}

/** `http://<podIP>:<port>` of the pod's `http` container port. */
export function podAddress(pod: ServingPod): string | undefined {
  const ip = pod.status.podIP;
  if (ip === undefined || ip === '') return undefined;
  const port =
    pod.spec.containers
      .flatMap((container) => container.ports ?? [])
      .find((candidate) => candidate.name === 'http')?.containerPort ?? SERVE_PORT;
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${String(port)}`;
}

/** The body of a GET of `url`; a non-2xx answer or no answer in time is an error naming it. */
export async function getServerText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(SERVER_TIMEOUT_MS) });
  const body = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${String(response.status)}`);
  return body;
}

/**
 * `/v2/models/{model}/samples` of a model server at `address`; with `sinceMs`, only the rows
 * it served since then.
 */
export function samplesPath(address: string, model: string, sinceMs?: number): string {
  const path = `${address}/v2/models/${encodeURIComponent(model)}/samples`;
  return sinceMs === undefined
    ? path
    : `${path}?since=${encodeURIComponent(new Date(sinceMs).toISOString())}`;
}
