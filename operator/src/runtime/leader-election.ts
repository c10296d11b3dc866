/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics.
 *
 * Contract:
 * - a candidate acquires the Lease when it is free, or when its holder has not renewed it
 *   for `leaseDurationMs` as measured on the candidate's own clock from when it last saw
 *   the Lease change (so clock skew between replicas does not matter);
 * - the leader renews every `retryPeriodMs`; if it cannot renew for `renewDeadlineMs`, it
 *   stops leading (its `AbortSignal` aborts) before anyone else may take over, because
 *   `renewDeadlineMs` < `leaseDurationMs`;
 * - every write carries the Lease's resourceVersion, so two candidates never both win;
 * - `stop()` releases a held Lease (empty holder), so a standby takes over at once.
 */

import type { KubernetesObject, V1LeaseSpec } from '@kubernetes/client-node';
import { formatMicroTime, realClock, type Clock } from './clock.js';
import { isConflict, type KubeClient } from './client.js';
import { errorMessage } from './errors.js';
import { noopLogger, type Logger } from './logger.js';
import { BuiltinResources } from './resource.js';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
  fieldManager: string;
}

interface LeaseObject extends KubernetesObject {
  spec?: LeaseSpecJson;
}

/** V1LeaseSpec as JSON: MicroTime fields are strings on the wire. */
type LeaseSpecJson = Omit<V1LeaseSpec, 'acquireTime' | 'renewTime'> & {
  acquireTime?: string;
  renewTime?: string;
};

export class LeaderElector {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopping = new AbortController();
  private stoppedOnce: Promise<void> | undefined;
  private observedRecord = '';
  private observedTime = 0;
  private leading: AbortController | undefined;
  private lastRenewal = 0;
  /** The Lease as this candidate last wrote it; renewing from it costs one request, not two. */
  private held: LeaseObject | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.clock = options.clock ?? realClock;
    this.log = (options.log ?? noopLogger).child({ lease: `${options.namespace}/${options.name}` });
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.renewDeadlineMs < this.leaseDurationMs)) {
      throw new RangeError('renewDeadlineMs must be shorter than leaseDurationMs');
    }
  }

  get isLeader(): boolean {
    return this.leading !== undefined;
  }

  /**
   * Campaigns until elected, calls `lead` with a signal that aborts when leadership is
   * lost, and resolves when leadership ends (lost, or `stop()`).
   */
  async run(lead: (signal: AbortSignal) => void): Promise<void> {
    while (!this.stopped()) {
      if (await this.tryAcquireOrRenew()) break;
      await this.sleep(this.retryPeriodMs);
    }
    if (this.stopped()) return;
    const leading = new AbortController();
    this.leading = leading;
    this.lastRenewal = this.clock.now();
    this.log.info({ identity: this.options.identity }, 'became leader');
    lead(leading.signal);
    while (!this.stopped()) {
      await this.sleep(this.retryPeriodMs);
      if (this.stopped()) break;
      if (await this.tryAcquireOrRenew()) {
        this.lastRenewal = this.clock.now();
      } else if (this.clock.now() - this.lastRenewal >= this.renewDeadlineMs) {
        this.log.warn(
          { identity: this.options.identity },
          'could not renew the lease in time; stopping leading',
        );
        break;
      }
    }
    this.leading = undefined;
    this.held = undefined;
    leading.abort();
  }

  /**
   * Stops campaigning or leading; releases the Lease if this candidate holds it. Every call
   * resolves when that one release has finished.
   */
  stop(): Promise<void> {
    if (this.stoppedOnce !== undefined) return this.stoppedOnce;
    const wasLeader = this.isLeader;
    this.stopping.abort();
    this.stoppedOnce = wasLeader ? this.release() : Promise.resolve();
    return this.stoppedOnce;
  }

  private stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async sleep(ms: number): Promise<void> {
    await this.clock.sleep(ms, this.stopping.signal).catch(() => undefined);
  }

  /** One attempt; true when this candidate holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.options;
    const manager = this.options.fieldManager;
    const now = this.clock.now();
    const desired = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: 0,
    } satisfies LeaseSpecJson;
    if (this.held !== undefined) {
      // Renewal of a Lease we hold: write from our last copy. A 409 means someone else
      // wrote it since, so read it afresh next time.
      try {
        const renewed = { ...this.held, spec: { ...this.held.spec, renewTime: desired.renewTime } };
        this.held = await client.replace<LeaseObject>(renewed, manager);
        this.observe(this.held.spec ?? {}, now);
        return true;
      } catch (error) {
        this.held = undefined;
        if (!isConflict(error))
          this.log.warn({ error: errorMessage(error) }, 'lease renewal failed');
        return false;
      }
    }
    try {
      const lease = await client.get<LeaseObject>(BuiltinResources.lease, namespace, name);
      if (lease === undefined) {
        this.held = await client.create<LeaseObject>(
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: desired,
          },
          manager,
        );
        this.observe(desired, now);
        return true;
      }
      const spec = lease.spec ?? {};
      this.observe(spec, now);
      const holder = spec.holderIdentity ?? '';
      const heldByOther = holder !== '' && holder !== identity;
      if (heldByOther && this.observedTime + this.leaseDurationMs > now) return false;
      const next: LeaseSpecJson =
        holder === identity
          ? {
              ...spec,
              ...desired,
              acquireTime: spec.acquireTime ?? desired.acquireTime,
              leaseTransitions: spec.leaseTransitions ?? 0,
            }
          : { ...desired, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
      this.held = await client.replace<LeaseObject>({ ...lease, spec: next }, manager);
      this.observe(this.held.spec ?? next, now);
      return true;
    } catch (error) {
      if (!isConflict(error)) {
        this.log.warn({ error: errorMessage(error) }, 'lease request failed');
      }
      return false;
    }
  }

  private observe(spec: LeaseSpecJson, now: number): void {
    const record = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}`;
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedTime = now;
    }
  }

  private async release(): Promise<void> {
    const { client, namespace, name, identity } = this.options;
    try {
      const lease = await client.get<LeaseObject>(BuiltinResources.lease, namespace, name);
      if (lease?.spec?.holderIdentity !== identity) return;
      const now = formatMicroTime(this.clock.now());
      await client.replace<LeaseObject>(
        {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now },
        },
        this.options.fieldManager,
      );
      this.log.info({ identity }, 'released the lease');
    } catch (error) {
      this.log.warn({ error: errorMessage(error) }, 'could not release the lease');
    }
  }
}
