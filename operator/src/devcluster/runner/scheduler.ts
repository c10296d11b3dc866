/**
 * Plays kube-scheduler for the runner's node: binds pods that name no node (and the
 * default scheduler) to `local` through the `binding` subresource when they fit (see
 * placement), oldest first; a pod that does not fit stays Pending with the condition
 * PodScheduled=False, reason Unschedulable and the scheduler's message, and is tried
 * again whenever pods change (one that ends frees its GPUs).
 *
 * It also registers the Node `local` on start, as kubelet does: capacity and allocatable
 * (the machine's CPUs and memory, 110 pods, and `nvidia.com/gpu` when fake GPUs are
 * given, labelled `nvidia.com/gpu.product` and `nvidia.com/gpu.count`), Ready, its
 * address 127.0.0.1, the kubelet endpoint port that serves container logs, and the ten
 * NodeSystemInfo fields.
 */
import { cpus, hostname, release, totalmem, type } from 'node:os';
import { timestamp } from '../core/time.js';
import { ApiError, describeError, NODES, podPath, type ApiClient } from './api.js';
import { conditionsOf } from './conditions.js';
import { identityOf, objectAt, objectsAt, stringAt, type JsonObject } from './json.js';
import { hasEnded, NODE_NAME } from './kubelet.js';
import {
  GPU_PRODUCT_LABEL,
  GPU_RESOURCE,
  gpuRequest,
  placement,
  type LocalNode,
} from './placement.js';
import type { Reflector } from './reflector.js';
import { SerialTask } from './serial.js';
import { writeStatus } from './status-writer.js';

export interface FakeGpus {
  count: number;
  /** The `nvidia.com/gpu.product` label. */
  product: string;
}

export const DEFAULT_GPU_PRODUCT = 'Ferry-Fake-GPU';

/** GOARCH's name for this machine's architecture. */
const ARCHITECTURE = process.arch === 'x64' ? 'amd64' : process.arch;

export class Scheduler {
  readonly sync: SerialTask;
  private readonly node: LocalNode;

  constructor(
    private readonly api: ApiClient,
    private readonly pods: Reflector,
    private readonly gpus: FakeGpus | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.node = {
      labels: nodeLabels(gpus),
      gpus: gpus?.count ?? 0,
    };
    this.sync = new SerialTask(
      () => this.pass(),
      (error) => {
        log(`scheduler: ${describeError(error)}`);
      },
    );
  }

  /** Creates or updates the Node `local`; `kubeletPort` serves container logs. */
  async register(kubeletPort: number): Promise<void> {
    const path = `${NODES}/${NODE_NAME}`;
    try {
      await this.api.create(NODES, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: NODE_NAME, labels: this.node.labels },
      });
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 409)) throw error;
      const labels: JsonObject = { ...this.node.labels };
      if (this.gpus === undefined) {
        labels[GPU_PRODUCT_LABEL] = null;
        labels['nvidia.com/gpu.count'] = null;
      }
      await this.api.mergePatchBetween(path, { metadata: { labels } });
    }
    const now = timestamp(Date.now());
    const resources: JsonObject = {
      cpu: String(cpus().length),
      memory: `${Math.floor(totalmem() / 1024)}Ki`,
      pods: '110',
      [GPU_RESOURCE]: this.gpus === undefined ? null : String(this.gpus.count),
    };
    await this.api.mergePatchBetween(`${path}/status`, {
      status: {
        capacity: resources,
        allocatable: resources,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'the local runner is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: hostname() },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
        nodeInfo: {
          machineID: '',
          systemUUID: '',
          bootID: '',
          kernelVersion: release(),
          osImage: `${type()} ${release()}`,
          containerRuntimeVersion: 'ferry-local-runner://1',
          kubeletVersion: 'v1.32.0-local',
          kubeProxyVersion: 'v1.32.0-local',
          operatingSystem: 'linux',
          architecture: ARCHITECTURE,
        },
      },
    });
  }

  /** Marks the Node NotReady, as a node whose kubelet stopped turns. */
  async unregister(): Promise<void> {
    const now = timestamp(Date.now());
    await this.api.mergePatchBetween(`${NODES}/${NODE_NAME}/status`, {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message: 'the local runner has stopped',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    });
  }

  private async pass(): Promise<void> {
    const pods = this.pods.items();
    let inUse = 0;
    for (const pod of pods)
      if (stringAt(pod, 'spec', 'nodeName') === NODE_NAME && !hasEnded(pod))
        inUse += gpuRequest(pod);
    const pending = pods
      .filter(
        (pod) =>
          stringAt(pod, 'spec', 'nodeName') === undefined &&
          (stringAt(pod, 'spec', 'schedulerName') ?? 'default-scheduler') === 'default-scheduler' &&
          identityOf(pod)?.deleting === false,
      )
      .sort((a, b) =>
        (stringAt(a, 'metadata', 'creationTimestamp') ?? '').localeCompare(
          stringAt(b, 'metadata', 'creationTimestamp') ?? '',
        ),
      );
    for (const pod of pending) {
      const decision = placement(pod, this.node, inUse);
      if (decision.fits) {
        if (await this.bind(pod)) inUse += gpuRequest(pod);
      } else await this.refuse(pod, decision.message);
    }
  }

  private async bind(pod: JsonObject): Promise<boolean> {
    const identity = identityOf(pod);
    if (identity === undefined) return false;
    try {
      await this.api.create(`${podPath(identity.namespace, identity.name)}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: identity.name, namespace: identity.namespace, uid: identity.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME },
      });
      this.log(`pod ${identity.key}: bound to node ${NODE_NAME}`);
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.code === 404 || error.code === 409)) return false;
      throw error;
    }
  }

  private async refuse(pod: JsonObject, message: string): Promise<void> {
    const identity = identityOf(pod);
    if (identity === undefined) return;
    const previous = objectAt(pod, 'status') ?? {};
    const others = objectsAt(previous, 'conditions').filter(
      (condition) => stringAt(condition, 'type') !== 'PodScheduled',
    );
    const [scheduled] = conditionsOf(
      [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }],
      objectsAt(previous, 'conditions'),
      timestamp(Date.now()),
    );
    const wanted: JsonObject = {
      ...previous,
      phase: 'Pending',
      conditions: [...others, ...(scheduled === undefined ? [] : [scheduled])],
    };
    const before = objectsAt(previous, 'conditions').find(
      (condition) => stringAt(condition, 'type') === 'PodScheduled',
    );
    if (stringAt(before, 'message') !== message)
      this.log(`pod ${identity.key}: unschedulable: ${message}`);
    await writeStatus(
      this.api,
      this.pods,
      podPath(identity.namespace, identity.name),
      previous,
      wanted,
    );
  }
}

function nodeLabels(gpus: FakeGpus | undefined): Record<string, string> {
  return {
    'kubernetes.io/hostname': NODE_NAME,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': ARCHITECTURE,
    ...(gpus === undefined
      ? {}
      : { [GPU_PRODUCT_LABEL]: gpus.product, 'nvidia.com/gpu.count': String(gpus.count) }),
  };
}
