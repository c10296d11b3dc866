import { describe, expect, it } from 'vitest';
import { StalledError, WaitingError } from '../../operator/src/runtime/errors.js';
import type { LogFields, Logger } from '../../operator/src/runtime/logger.js';
import { ManualClock } from '../../operator/src/runtime/manual-clock.js';
import { RateLimitingQueue } from '../../operator/src/runtime/rate-limiting-queue.js';
import type { ReconcileResult } from '../../operator/src/runtime/requeue.js';
import {
  startWorkers,
  type Reconcile,
  type ReconcileReport,
} from '../../operator/src/runtime/workers.js';
import { deferred, flush, track, type Deferred } from './helpers.js';

/** A reconcile whose every call blocks until the test settles it. */
function controllable() {
  const calls: { key: string; gate: Deferred<ReconcileResult | undefined> }[] = [];
  let running = 0;
  let maxRunningPerKey = new Map<string, number>();
  const active = new Map<string, number>();
  const reconcile: Reconcile = async (key) => {
    const gate = deferred<ReconcileResult | undefined>();
    calls.push({ key, gate });
    running++;
    active.set(key, (active.get(key) ?? 0) + 1);
    maxRunningPerKey.set(key, Math.max(maxRunningPerKey.get(key) ?? 0, active.get(key) ?? 0));
    try {
      return await gate.promise;
    } finally {
      running--;
      active.set(key, (active.get(key) ?? 1) - 1);
    }
  };
  return {
    reconcile,
    calls,
    running: () => running,
    maxConcurrencyPerKey: () => maxRunningPerKey,
    reset: () => {
      maxRunningPerKey = new Map();
    },
  };
}

function setup(workers: number, reconcile: Reconcile) {
  const clock = new ManualClock();
  const queue = new RateLimitingQueue({ clock });
  const reports: ReconcileReport[] = [];
  let ids = 0;
  const pool = startWorkers({
    controller: 'test',
    queue,
    workers,
    reconcile,
    clock,
    onReconciled: (report) => reports.push(report),
    newReconcileId: () => `r${++ids}`,
  });
  return { clock, queue, pool, reports };
}

describe('startWorkers', () => {
  it('runs up to N reconciles at once, never two for the same key', async () => {
    const fake = controllable();
    const { queue } = setup(3, fake.reconcile);
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await flush();
    expect(fake.calls.map((call) => call.key)).toEqual(['a', 'b', 'c']);
    expect(fake.running()).toBe(3);

    queue.add('a'); // changed while being reconciled
    queue.add('a');
    await flush();
    expect(fake.running()).toBe(3);

    fake.calls[0]?.gate.resolve(undefined); // a finishes: d is next, then a again
    await flush();
    fake.calls[1]?.gate.resolve(undefined); // b finishes
    await flush();
    expect(fake.calls.map((call) => call.key)).toEqual(['a', 'b', 'c', 'd', 'a']);
    expect(Math.max(...fake.maxConcurrencyPerKey().values())).toBe(1);
  });

  it('never reconciles a hot key concurrently under many adds and workers', async () => {
    const fake = controllable();
    const { queue } = setup(8, fake.reconcile);
    for (let round = 0; round < 20; round++) {
      for (const key of ['hot', 'hot', 'x', 'y']) queue.add(key);
      await flush();
      for (const call of fake.calls) call.gate.resolve(undefined);
      await flush();
    }
    expect(fake.maxConcurrencyPerKey().get('hot')).toBe(1);
    expect(fake.calls.filter((call) => call.key === 'hot').length).toBeGreaterThan(1);
  });

  it('applies the queue action of each outcome', async () => {
    const outcomes = new Map<string, () => Promise<ReconcileResult | undefined>>([
      ['ok', () => Promise.resolve(undefined)],
      ['periodic', () => Promise.resolve({ requeueAfterMs: 60_000 })],
      [
        'waiting',
        () =>
          Promise.reject(
            new WaitingError('job running', { reason: 'JobRunning', requeueAfterMs: 30_000 }),
          ),
      ],
      ['stalled', () => Promise.reject(new StalledError('bad spec', { reason: 'InvalidSpec' }))],
      ['flaky', () => Promise.reject(new Error('connection reset'))],
      [
        'throws-sync',
        () => {
          throw new Error('sync throw');
        },
      ],
    ]);
    const calls: string[] = [];
    const { clock, queue, reports } = setup(2, async (key) => {
      calls.push(key);
      const run = outcomes.get(key);
      if (run === undefined) throw new Error(`unexpected key ${key}`);
      return run();
    });
    for (const key of outcomes.keys()) queue.add(key);
    await flush();
    // Workers finish in an order the event loop decides, so compare by key.
    expect(Object.fromEntries(reports.map((report) => [report.key, report.action.kind]))).toEqual({
      ok: 'Forget',
      periodic: 'RequeueAfter',
      waiting: 'RequeueAfter',
      stalled: 'Stall',
      flaky: 'RateLimited',
      'throws-sync': 'RateLimited',
    });
    expect(new Set(reports.map((report) => report.reconcileId)).size).toBe(6);
    expect(queue.stats().processing).toBe(0); // every key was marked done

    calls.length = 0;
    clock.advance(10); // the two transient failures come back after 5 ms
    await flush();
    expect(calls.sort()).toEqual(['flaky', 'throws-sync']);
    calls.length = 0;
    clock.advance(30_000);
    await flush();
    expect(calls.filter((key) => key === 'waiting')).toEqual(['waiting']);
    clock.advance(30_000);
    await flush();
    expect(calls).toContain('periodic');
    expect(calls).not.toContain('ok');
    expect(calls).not.toContain('stalled');
  });

  it('stop lets in-flight reconciles finish, drops pending keys, then resolves', async () => {
    const fake = controllable();
    const { queue, pool } = setup(2, fake.reconcile);
    for (const key of ['a', 'b', 'c']) queue.add(key);
    await flush();
    const stopped = track(pool.stop());
    await flush();
    expect(stopped.settled).toBe(false);
    fake.calls[0]?.gate.resolve(undefined);
    await flush();
    expect(stopped.settled).toBe(false);
    fake.calls[1]?.gate.resolve(undefined);
    await flush();
    expect(stopped.settled).toBe(true);
    expect(fake.calls.map((call) => call.key)).toEqual(['a', 'b']);
  });

  it('binds controller, namespace, name and reconcile ID on the reconcile logger', async () => {
    const entries: LogFields[] = [];
    const logger = (bound: LogFields): Logger => {
      const write = (fields: LogFields, message: string) =>
        entries.push({ ...bound, ...fields, message });
      return {
        debug: write,
        info: write,
        warn: write,
        error: write,
        child: (more) => logger({ ...bound, ...more }),
      };
    };
    const clock = new ManualClock();
    const queue = new RateLimitingQueue({ clock });
    startWorkers({
      controller: 'datasets',
      queue,
      workers: 1,
      clock,
      log: logger({}),
      newReconcileId: () => 'id-1',
      reconcile: (_key, { log }) => {
        log.info({ step: 'fetch' }, 'fetching');
        return Promise.resolve(undefined);
      },
    });
    queue.add('ml/iris');
    await flush();
    expect(entries[0]).toEqual({
      controller: 'datasets',
      namespace: 'ml',
      name: 'iris',
      reconcileID: 'id-1',
      step: 'fetch',
      message: 'fetching',
    });
  });

  it('keeps working when the report observer throws', async () => {
    const clock = new ManualClock();
    const queue = new RateLimitingQueue({ clock });
    const seen: string[] = [];
    startWorkers({
      controller: 'c',
      queue,
      workers: 1,
      clock,
      reconcile: (key) => {
        seen.push(key);
        return Promise.resolve(undefined);
      },
      onReconciled: () => {
        throw new Error('observer bug');
      },
    });
    queue.add('a');
    queue.add('b');
    await flush();
    expect(seen).toEqual(['a', 'b']);
  });

  it('rejects a worker count below 1', () => {
    const queue = new RateLimitingQueue({ clock: new ManualClock() });
    expect(() =>
      startWorkers({
        controller: 'c',
        queue,
        workers: 0,
        reconcile: () => Promise.resolve(undefined),
      }),
    ).toThrow(RangeError);
  });
});
