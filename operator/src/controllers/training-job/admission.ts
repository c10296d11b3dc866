/**
 * GPU-aware admission: which queued TrainingJobs may start now.
 *
 * Capacity is the sum of `nvidia.com/gpu` allocatable over Ready, schedulable nodes, per
 * GPU product (the `nvidia.com/gpu.product` node label). Jobs are considered in priority
 * order, then first come first served. A job is admitted whole or not at all (gang), and
 * admission within a product is strict: once the job at the head of a product's line does
 * not fit, nothing behind it in that line is admitted, so large jobs are never starved by
 * a stream of small ones. Jobs that ask for no GPUs are always admitted.
 */

import type { V1Node } from '@kubernetes/client-node';

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** The product of GPU nodes without a product label. */
export const UNLABELLED_PRODUCT = '';

/** Allocatable GPUs per product. */
export type GpuCapacity = ReadonlyMap<string, number>;

/** One TrainingJob's claim on GPUs. */
export interface GpuDemand {
  /** `namespace/name`. */
  key: string;
  /** GPUs across all workers. */
  gpus: number;
  /** Required product; any product when absent. */
  product?: string;
  priority: number;
  /** RFC 3339; earlier goes first among equal priorities. */
  queuedAt: string;
}

export interface AdmissionPlan {
  admit: string[];
  /** Jobs that must keep waiting, with a message for their status. */
  wait: Map<string, string>;
}

export function gpuCapacity(nodes: readonly V1Node[]): Map<string, number> {
  const capacity = new Map<string, number>();
  for (const node of nodes) {
    if (!isReady(node) || node.spec?.unschedulable === true) continue;
    const allocatable = Number.parseInt(node.status?.allocatable?.[GPU_RESOURCE] ?? '0', 10);
    if (!Number.isFinite(allocatable) || allocatable <= 0) continue;
    const product = node.metadata?.labels?.[GPU_PRODUCT_LABEL] ?? UNLABELLED_PRODUCT;
    capacity.set(product, (capacity.get(product) ?? 0) + allocatable);
  }
  return capacity;
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Orders demands: higher priority first, then earlier, then by key for determinism. */
export function compareDemands(a: GpuDemand, b: GpuDemand): number {
  return (
    b.priority - a.priority || a.queuedAt.localeCompare(b.queuedAt) || a.key.localeCompare(b.key)
  );
}

/**
 * Plans admission of `queued` given `capacity` and the GPUs already held by `running`
 * jobs. Pure: the same inputs always give the same plan.
 */
export function planAdmission(
  capacity: GpuCapacity,
  running: readonly GpuDemand[],
  queued: readonly GpuDemand[],
): AdmissionPlan {
  const free = new Map(capacity);
  for (const holder of running) take(free, holder);

  const plan: AdmissionPlan = { admit: [], wait: new Map() };
  /** Products whose line is blocked by a job that did not fit; `*` blocks every product. */
  const blocked = new Set<string>();
  for (const demand of [...queued].sort(compareDemands)) {
    if (demand.gpus <= 0) {
      plan.admit.push(demand.key);
      continue;
    }
    const product = demand.product ?? '*';
    const available = availableFor(free, demand.product);
    const blockedBy =
      blocked.has('*') || blocked.has(product) || (product === '*' && blocked.size > 0);
    if (!blockedBy && available >= demand.gpus) {
      take(free, demand);
      plan.admit.push(demand.key);
      continue;
    }
    blocked.add(product);
    plan.wait.set(demand.key, waitingMessage(demand, available, capacity, blockedBy));
  }
  return plan;
}

function availableFor(free: ReadonlyMap<string, number>, product: string | undefined): number {
  if (product !== undefined) return free.get(product) ?? 0;
  let total = 0;
  for (const count of free.values()) total += count;
  return total;
}

/** Removes a demand's GPUs from `free`: from its product, or greedily from the largest pools. */
function take(free: Map<string, number>, demand: GpuDemand): void {
  if (demand.product !== undefined) {
    free.set(demand.product, (free.get(demand.product) ?? 0) - demand.gpus);
    return;
  }
  let remaining = demand.gpus;
  const pools = [...free].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [product, count] of pools) {
    if (remaining <= 0) break;
    const taken = Math.min(Math.max(count, 0), remaining);
    free.set(product, count - taken);
    remaining -= taken;
  }
}

function waitingMessage(
  demand: GpuDemand,
  available: number,
  capacity: GpuCapacity,
  blockedBehindEarlierJob: boolean,
): string {
  const what = `${demand.gpus} ${GPU_RESOURCE}${demand.product === undefined ? '' : ` (${demand.product})`}`;
  const total = availableFor(capacity, demand.product);
  if (total < demand.gpus) {
    return `waiting for ${what}: the cluster has only ${total} in all`;
  }
  const free = Math.max(available, 0);
  return blockedBehindEarlierJob && free >= demand.gpus
    ? `waiting for ${what}: ${free} free, but jobs ahead in the queue come first`
    : `waiting for ${what}: ${free} of ${total} free`;
}
