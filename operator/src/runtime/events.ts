/**
 * Records events.k8s.io/v1 Events about objects, as `kubectl describe` and
 * `kubectl events` show them.
 *
 * Contract:
 * - recording never throws and never blocks a reconcile on failure: errors are logged;
 * - the same event (object, type, reason, action, note) repeated within
 *   `seriesWindowMs` updates one Event's `series` (count, lastObservedTime) instead of
 *   creating another, as client-go's events broadcaster does.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import { formatMicroTime, realClock, type Clock } from './clock.js';
import type { KubeClient } from './client.js';
import { errorMessage } from './errors.js';
import { noopLogger, type Logger } from './logger.js';
import { BuiltinResources } from './resource.js';

export interface EventInput {
  type: 'Normal' | 'Warning';
  /** CamelCase, such as `DigestMismatch`. */
  reason: string;
  /** What was done or failed, CamelCase, such as `Reconcile` or `CreateJob`. */
  action: string;
  /** Human-readable, at most 1 KiB. */
  note: string;
}

export interface EventRecorderOptions {
  /** `reportingController`, such as `ml.ferry.dev/operator`. */
  controller: string;
  /** `reportingInstance`: this replica's identity. */
  instance: string;
  clock?: Clock;
  log?: Logger;
  seriesWindowMs?: number;
  /** Field manager of the Events it writes. */
  fieldManager: string;
}

interface Series {
  namespace: string;
  name: string;
  count: number;
  lastMs: number;
}

export class EventRecorder {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: EventRecorderOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.log = options.log ?? noopLogger;
  }

  async record(regarding: KubernetesObject, event: EventInput): Promise<void> {
    const meta = regarding.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const note = event.note.length > 1024 ? `${event.note.slice(0, 1021)}...` : event.note;
    const key = [meta.uid ?? meta.name, event.type, event.reason, event.action, note].join(
      '\u0000',
    );
    const now = this.clock.now();
    const manager = this.options.fieldManager;
    try {
      const existing = this.series.get(key);
      if (
        existing !== undefined &&
        now - existing.lastMs < (this.options.seriesWindowMs ?? 360_000)
      ) {
        existing.count += 1;
        existing.lastMs = now;
        await this.client.mergePatch(
          BuiltinResources.event,
          existing.namespace,
          existing.name,
          { series: { count: existing.count, lastObservedTime: formatMicroTime(now) } },
          manager,
        );
        return;
      }
      const name = `${meta.name ?? 'object'}.${(BigInt(now) * 1_000_000n).toString(16)}`;
      await this.client.create(
        {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name, namespace },
          eventTime: formatMicroTime(now),
          reportingController: this.options.controller,
          reportingInstance: this.options.instance,
          action: event.action,
          reason: event.reason,
          type: event.type,
          note,
          regarding: {
            apiVersion: regarding.apiVersion,
            kind: regarding.kind,
            name: meta.name,
            namespace,
            uid: meta.uid,
            resourceVersion: meta.resourceVersion,
          },
        } as KubernetesObject,
        manager,
      );
      this.series.set(key, { namespace, name, count: 1, lastMs: now });
      this.forgetOldSeries(now);
    } catch (error) {
      this.log.warn({ error: errorMessage(error), reason: event.reason }, 'could not record event');
    }
  }

  private forgetOldSeries(now: number): void {
    if (this.series.size < 4096) return;
    const window = this.options.seriesWindowMs ?? 360_000;
    for (const [key, series] of this.series)
      if (now - series.lastMs >= window) this.series.delete(key);
  }
}
