/**
 * A reflector and its cache: keeps an up-to-date local copy of one resource type and
 * tells handlers what changed.
 *
 * Contract:
 * - list, then watch from the list's resourceVersion, with bookmarks;
 * - a watch that ends cleanly (server timeout) is reopened from the last resourceVersion
 *   seen, events and bookmarks included;
 * - 410 Expired (as an HTTP status or an ERROR event) triggers one relist, then a new
 *   watch; the relist reports the difference to the cache as add/update/delete events;
 * - any other failure is retried with capped, jittered exponential backoff, forever:
 *   the informer only stops when `stop()` is called;
 * - handlers see each object change once, in order; an event whose resourceVersion the
 *   cache already has is dropped;
 * - with `resyncMs`, every cached object is re-announced as `resync` on a jittered period,
 *   so level-triggered controllers re-check converged objects;
 * - cached objects carry no `metadata.managedFields` (server-side apply bookkeeping that no
 *   controller reads and that can double an object's size).
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import { realClock, type Clock, type Timer } from './clock.js';
import { apiStatusCode, type KubeClient, type WatchEvent } from './client.js';
import { errorMessage } from './errors.js';
import { objectKey } from './key.js';
import { noopLogger, type Logger } from './logger.js';
import type { Resource } from './resource.js';
import { jitteredPeriod } from './resync.js';

export type InformerEvent<T> =
  | { type: 'add'; object: T }
  | { type: 'update'; object: T; old: T }
  | { type: 'delete'; object: T }
  | { type: 'resync'; object: T };

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  /** Re-announce every object this often (jittered); 0 or absent for never. */
  resyncMs?: number;
  clock?: Clock;
  log?: Logger;
  /** Reconnect backoff bounds. */
  backoff?: { initialMs: number; maxMs: number };
  /** Server-side watch timeout; each watch gets a random value in [t, 2t). */
  watchTimeoutSeconds?: number;
  random?: () => number;
  /**
   * Trims each object before it is cached (client-go's transform), keeping only what
   * readers use. It must keep `metadata.name`, `namespace` and `resourceVersion`.
   */
  transform?: <T extends KubernetesObject>(object: T) => T;
}

/** Counters an informer keeps, for metrics and tests. */
export interface InformerStats {
  lists: number;
  watches: number;
  failures: number;
}

type Outcome = { kind: 'relist' } | { kind: 'rewatch' } | { kind: 'failed'; error: unknown };

export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: ((event: InformerEvent<T>) => void)[] = [];
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly abort = new AbortController();
  private closeWatch: (() => void) | undefined;
  private resyncTimer: Timer | undefined;
  private running: Promise<void> | undefined;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];
  private resourceVersion = '';
  readonly stats: InformerStats = { lists: 0, watches: 0, failures: 0 };

  constructor(
    private readonly client: KubeClient,
    readonly resource: Resource,
    private readonly options: InformerOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.log = (options.log ?? noopLogger).child({ resource: resource.plural });
    this.random = options.random ?? Math.random;
  }

  /** Registers a handler; call before `start` to see the initial adds. */
  onEvent(handler: (event: InformerEvent<T>) => void): void {
    this.handlers.push(handler);
  }

  start(): void {
    if (this.running !== undefined) return;
    this.running = this.run();
    this.scheduleResync();
  }

  /** Resolves once the first list has filled the cache. */
  async waitForSync(): Promise<void> {
    if (this.synced) return;
    await new Promise<void>((resolve) => this.syncWaiters.push(resolve));
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.closeWatch?.();
    this.resyncTimer?.cancel();
    await this.running;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(objectKey({ namespace, name }));
  }

  /** Cached objects, optionally of one namespace, in key order. */
  list(namespace?: string): T[] {
    const all = [...this.cache.entries()].sort(([a], [b]) => a.localeCompare(b));
    return all
      .map(([, object]) => object)
      .filter((object) => namespace === undefined || object.metadata?.namespace === namespace);
  }

  private isStopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!this.abort.signal.aborted) {
      try {
        if (needList) await this.relist();
        needList = false;
        const outcome = await this.watchOnce();
        this.log.debug(
          { outcome: outcome.kind, resourceVersion: this.resourceVersion },
          'watch ended',
        );
        if (outcome.kind === 'relist') {
          needList = true;
          failures = 0;
          continue;
        }
        if (outcome.kind === 'rewatch') {
          failures = 0;
          continue;
        }
        throw outcome.error;
      } catch (error) {
        if (this.isStopped()) break;
        failures += 1;
        this.stats.failures += 1;
        const delay = this.backoffMs(failures);
        this.log.warn(
          { error: errorMessage(error), retryInMs: Math.round(delay) },
          'list/watch failed; retrying',
        );
        // After a failed list there is nothing to watch from; after a failed watch, keep
        // the resourceVersion and re-watch (a 410 on that watch will force a relist).
        if (this.resourceVersion === '') needList = true;
        await this.clock.sleep(delay, this.abort.signal).catch(() => undefined);
      }
    }
  }

  private backoffMs(failures: number): number {
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 800, maxMs: 30_000 };
    const base = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
    return base * (0.5 + this.random() / 2);
  }

  private async relist(): Promise<void> {
    this.stats.lists += 1;
    const { items, resourceVersion } = await this.client.list<T>(this.resource, {
      ...(this.options.namespace === undefined ? {} : { namespace: this.options.namespace }),
      ...(this.options.labelSelector === undefined
        ? {}
        : { labelSelector: this.options.labelSelector }),
    });
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      this.upsert(key, item);
    }
    for (const [key, object] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit({ type: 'delete', object });
      }
    }
    this.resourceVersion = resourceVersion;
    this.log.debug({ resourceVersion, items: items.length }, 'listed');
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private upsert(key: string, received: T): void {
    const slim = withoutManagedFields(received);
    const object = this.options.transform === undefined ? slim : this.options.transform(slim);
    const old = this.cache.get(key);
    if (old?.metadata?.resourceVersion === object.metadata?.resourceVersion && old !== undefined)
      return;
    this.cache.set(key, object);
    this.emit(old === undefined ? { type: 'add', object } : { type: 'update', object, old });
  }

  private async watchOnce(): Promise<Outcome> {
    this.stats.watches += 1;
    const timeout = this.options.watchTimeoutSeconds ?? 300;
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        this.closeWatch?.();
        this.closeWatch = undefined;
        resolve(outcome);
      };
      const onEvent = (event: WatchEvent<T>): void => {
        if (settled) return;
        const rv = event.object.metadata?.resourceVersion;
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED':
            this.upsert(keyOf(event.object), event.object);
            break;
          case 'DELETED': {
            const key = keyOf(event.object);
            const old = this.cache.get(key);
            this.cache.delete(key);
            this.emit({ type: 'delete', object: old ?? event.object });
            break;
          }
          case 'BOOKMARK':
            break;
          case 'ERROR': {
            const code = (event.object as { code?: unknown }).code;
            finish(
              code === 410
                ? { kind: 'relist' }
                : {
                    kind: 'failed',
                    error: new Error(`watch ERROR event: ${JSON.stringify(event.object)}`),
                  },
            );
            return;
          }
        }
        if (rv !== undefined && rv !== '') this.resourceVersion = rv;
      };
      const onDone = (error: unknown): void => {
        if (error === undefined || this.abort.signal.aborted) finish({ kind: 'rewatch' });
        else if (apiStatusCode(error) === 410) finish({ kind: 'relist' });
        else finish({ kind: 'failed', error });
      };
      this.client
        .watch<T>(
          this.resource,
          {
            resourceVersion: this.resourceVersion,
            timeoutSeconds: Math.floor(timeout * (1 + this.random())),
            ...(this.options.namespace === undefined ? {} : { namespace: this.options.namespace }),
            ...(this.options.labelSelector === undefined
              ? {}
              : { labelSelector: this.options.labelSelector }),
          },
          onEvent,
          onDone,
        )
        .then((close) => {
          if (settled || this.abort.signal.aborted) close();
          else this.closeWatch = close;
          if (this.abort.signal.aborted) finish({ kind: 'rewatch' });
        })
        .catch((error: unknown) => {
          finish(apiStatusCode(error) === 410 ? { kind: 'relist' } : { kind: 'failed', error });
        });
    });
  }

  private emit(event: InformerEvent<T>): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.log.error({ error: errorMessage(error) }, 'informer handler threw');
      }
    }
  }

  private scheduleResync(): void {
    const period = this.options.resyncMs ?? 0;
    if (period <= 0 || this.abort.signal.aborted) return;
    this.resyncTimer = this.clock.setTimer(jitteredPeriod(period, { random: this.random }), () => {
      for (const object of this.cache.values()) this.emit({ type: 'resync', object });
      this.scheduleResync();
    });
  }
}

function withoutManagedFields<T extends KubernetesObject>(object: T): T {
  if (object.metadata?.managedFields === undefined) return object;
  const { managedFields, ...metadata } = object.metadata;
  return { ...object, metadata };
}

function keyOf(object: KubernetesObject): string {
  return objectKey({ namespace: object.metadata?.namespace, name: object.metadata?.name ?? '' });
}
