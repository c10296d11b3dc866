/**
 * Runs controllers: shared informers per resource, one rate-limited work queue and worker
 * pool per controller, and the mapping from object changes to the keys to reconcile.
 *
 * Contract:
 * - reconciles start only after every informer has synced, so a reconcile never acts on
 *   a partial cache;
 * - an add, update, delete or resync of a primary object enqueues its key; a change to a
 *   watched secondary enqueues the keys its mapper returns (its controller owner, say);
 * - `start(signal)` gives up waiting for the caches when `signal` aborts (shutdown while the
 *   API server is unreachable), and then starts no worker;
 * - `stop()` stops feeding queues, lets in-flight reconciles finish, then stops informers.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import { realClock, type Clock } from './clock.js';
import type { KubeClient } from './client.js';
import { Informer, type InformerEvent, type InformerOptions } from './informer.js';
import { objectKey } from './key.js';
import { settledBefore } from './abort.js';
import { noopLogger, type Logger } from './logger.js';
import type { OperatorMetrics } from './metrics.js';
import { RateLimitingQueue } from './rate-limiting-queue.js';
import type { Resource } from './resource.js';
import { startWorkers, type Reconcile, type WorkerPool } from './workers.js';

/** Maps a changed secondary object to the primary keys that must be reconciled. */
export type KeyMapper = (
  object: KubernetesObject,
  change: InformerEvent<KubernetesObject>['type'],
) => string[];

export interface ControllerDefinition {
  name: string;
  /** The resource this controller reconciles; its keys are `namespace/name`. */
  primary: Resource;
  /** Other resources whose changes concern primary objects, optionally only some of them. */
  watches?: readonly { resource: Resource; selection?: Selection; keys: KeyMapper }[];
  workers?: number;
  reconcile: Reconcile;
}

export interface ManagerOptions {
  client: KubeClient;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
  /** Periodic re-check of every object; default 10 minutes. */
  resyncMs?: number;
  clock?: Clock;
  log?: Logger;
  metrics?: OperatorMetrics;
}

/**
 * Which objects of a resource an informer caches, and how it trims them. Informers are
 * shared by resource and label selector; the first registration's transform is used.
 */
export interface Selection {
  labelSelector?: string;
  transform?: InformerOptions['transform'];
}

/** Keys of the owners of `object` whose kind is `kind` (controller references first). */
export function ownerKeys(kind: string): KeyMapper {
  return (object) =>
    (object.metadata?.ownerReferences ?? [])
      .filter((owner) => owner.kind === kind)
      .map((owner) => objectKey({ namespace: object.metadata?.namespace, name: owner.name }));
}

/** The key of the object that `object`'s `label` names, in `object`'s namespace; none without it. */
export function labelKeys(label: string): KeyMapper {
  return (object) => {
    const name = object.metadata?.labels?.[label];
    return name === undefined ? [] : [objectKey({ namespace: object.metadata?.namespace, name })];
  };
}

function resourceId(resource: Resource): string {
  return `${resource.group}/${resource.version}/${resource.plural}`;
}

export class Manager {
  private readonly informers = new Map<string, Informer<KubernetesObject>>();
  private readonly controllers: ControllerDefinition[] = [];
  private readonly pools: WorkerPool[] = [];
  private readonly queues: { controller: ControllerDefinition; queue: RateLimitingQueue }[] = [];
  private readonly clock: Clock;
  private readonly log: Logger;
  private started = false;

  constructor(private readonly options: ManagerOptions) {
    this.clock = options.clock ?? realClock;
    this.log = options.log ?? noopLogger;
  }

  /**
   * The shared informer for `resource` (limited to objects matching `labelSelector`),
   * created on first use. Reconcilers read it as their cache.
   */
  informer<T extends KubernetesObject>(resource: Resource, selection: Selection = {}): Informer<T> {
    const { labelSelector, transform } = selection;
    const id = `${resourceId(resource)}?${labelSelector ?? ''}`;
    let informer = this.informers.get(id);
    if (informer === undefined) {
      informer = new Informer<KubernetesObject>(this.options.client, resource, {
        ...(this.options.namespace === undefined || !resource.namespaced
          ? {}
          : { namespace: this.options.namespace }),
        ...(labelSelector === undefined ? {} : { labelSelector }),
        ...(transform === undefined ? {} : { transform }),
        resyncMs: this.options.resyncMs ?? 600_000,
        clock: this.clock,
        log: this.log,
      });
      this.informers.set(id, informer);
    }
    // One informer serves every caller of a resource; callers name the type they read.
    return informer as unknown as Informer<T>;
  }

  add(controller: ControllerDefinition): void {
    if (this.started) throw new Error('add controllers before start');
    this.controllers.push(controller);
    this.informer(controller.primary);
    for (const watch of controller.watches ?? []) this.informer(watch.resource, watch.selection);
  }

  /**
   * Starts informers, waits until all have synced, then starts every controller's workers.
   * Resolves true once the workers run, or false if `signal` aborted before the caches
   * synced (no worker was started; `stop()` still stops the informers).
   */
  async start(signal?: AbortSignal): Promise<boolean> {
    if (this.started) return this.pools.length > 0;
    this.started = true;
    for (const controller of this.controllers) {
      const metrics = this.options.metrics;
      const queue = new RateLimitingQueue({
        clock: this.clock,
        ...(metrics === undefined ? {} : { metrics: metrics.workQueue(controller.name) }),
      });
      metrics?.observeQueue(controller.name, () => queue.stats());
      this.queues.push({ controller, queue });
      const enqueue = (keys: readonly string[]): void => {
        for (const key of keys) queue.add(key);
      };
      this.informer(controller.primary).onEvent((event: InformerEvent<KubernetesObject>) => {
        enqueue([
          objectKey({
            namespace: event.object.metadata?.namespace,
            name: event.object.metadata?.name ?? '',
          }),
        ]);
      });
      for (const watch of controller.watches ?? []) {
        this.informer(watch.resource, watch.selection).onEvent((event) => {
          enqueue(watch.keys(event.object, event.type));
          if (event.type === 'update') enqueue(watch.keys(event.old, event.type));
        });
      }
    }
    for (const informer of this.informers.values()) informer.start();
    const synced = Promise.all(
      [...this.informers.values()].map((informer) => informer.waitForSync()),
    );
    if (!(await settledBefore(synced, signal))) {
      this.log.info({}, 'stopped before the caches synced');
      return false;
    }
    this.log.info({ informers: this.informers.size }, 'caches synced; starting controllers');
    for (const { controller, queue } of this.queues) {
      this.pools.push(
        startWorkers({
          controller: controller.name,
          queue,
          workers: controller.workers ?? 2,
          reconcile: controller.reconcile,
          clock: this.clock,
          log: this.log,
          ...(this.options.metrics === undefined
            ? {}
            : { onReconciled: (report) => this.options.metrics?.reconciled(report) }),
        }),
      );
    }
    return true;
  }

  /** Finishes in-flight reconciles, then stops watching. */
  async stop(): Promise<void> {
    await Promise.all(this.pools.map((pool) => pool.stop()));
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }
}
