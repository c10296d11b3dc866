/**
 * Whether a pod fits the runner's one node, as kube-scheduler's NodeResourcesFit and
 * NodeAffinity filters judge it, for the resources the runner counts: `nvidia.com/gpu`
 * (cpu and memory are not counted: every process shares this machine). Pure.
 */
import { objectsAt, stringAt, stringsAt, type JsonObject } from './json.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';

export interface LocalNode {
  labels: Readonly<Record<string, string>>;
  /** `nvidia.com/gpu` allocatable. */
  gpus: number;
}

/** GPUs a pod requests: per container the request, or the limit (which implies it). */
export function gpuRequest(pod: JsonObject): number {
  let total = 0;
  for (const container of objectsAt(pod, 'spec', 'containers')) {
    const request =
      stringAt(container, 'resources', 'requests', GPU_RESOURCE) ??
      stringAt(container, 'resources', 'limits', GPU_RESOURCE);
    const count = request === undefined ? 0 : Number.parseInt(request, 10);
    if (Number.isFinite(count) && count > 0) total += count;
  }
  return total;
}

export type Placement = { fits: true } | { fits: false; message: string };

/**
 * Whether `pod` fits `node`, with `gpusInUse` taken by the pods already bound there that
 * have not ended; when not, the scheduler's message for a cluster of one node.
 */
export function placement(pod: JsonObject, node: LocalNode, gpusInUse: number): Placement {
  const selector = stringsAt(pod, 'spec', 'nodeSelector');
  const mismatch = Object.entries(selector).some(([key, value]) => node.labels[key] !== value);
  if (mismatch) {
    return {
      fits: false,
      message:
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    };
  }
  const wanted = gpuRequest(pod);
  if (wanted > 0 && wanted > node.gpus - gpusInUse) {
    return {
      fits: false,
      message: `0/1 nodes are available: 1 Insufficient ${GPU_RESOURCE}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.`,
    };
  }
  return { fits: true };
}
