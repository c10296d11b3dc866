import { randomUUID } from 'node:crypto';
import { realClock, type Clock } from './clock.js';
import { errorMessage } from './errors.js';
import { parseObjectKey } from './key.js';
import { noopLogger, type LogFields, type Logger } from './logger.js';
import {
  applyQueueAction,
  QueueActionKind,
  queueActionFor,
  type QueueAction,
  type ReconcileOutcome,
  type ReconcileResult,
  type RequeueTarget,
} from './requeue.js';

/** What a reconcile is given besides its key. */
export interface ReconcileContext {
  /** Unique per reconcile; also bound on `log` as `reconcileID`. */
  reconcileId: string;
  /** Bound with `controller`, `namespace`/`name` (or `key`) and `reconcileID`. */
  log: Logger;
}

/**
 * A level-triggered reconcile: given only a key, it reads current state and acts. It
 * returns when done (optionally asking for a periodic requeue) or throws an error whose
 * kind decides the retry (see `errors.ts`).
 */
export type Reconcile = (
  key: string,
  context: ReconcileContext,
) => Promise<ReconcileResult | undefined>;

/** One finished reconcile, for metrics (the seam prom-client plugs into). */
export interface ReconcileReport {
  controller: string;
  key: string;
  reconcileId: string;
  outcome: ReconcileOutcome;
  action: QueueAction;
  durationSeconds: number;
}

/** The queue operations the pool uses; `RateLimitingQueue` has them all. */
export interface WorkerQueue extends RequeueTarget {
  get(): Promise<string | undefined>;
  done(key: string): void;
  numRequeues(key: string): number;
  shutDownWithDrain(): Promise<void>;
}

export interface WorkerPoolOptions {
  /** Controller name, for logs and reports. */
  controller: string;
  queue: WorkerQueue;
  /** Number of keys reconciled at once, ≥ 1. Never two for the same key. */
  workers: number;
  reconcile: Reconcile;
  clock?: Clock;
  log?: Logger;
  /** Called after every reconcile; exceptions it throws are logged and ignored. */
  onReconciled?: (report: ReconcileReport) => void;
  /** Default `crypto.randomUUID`. */
  newReconcileId?: () => string;
}

export interface WorkerPool {
  /** Resolves when every worker has exited, i.e. the queue shut down and in-flight work ended. */
  readonly stopped: Promise<void>;
  /** Shuts the queue down, lets in-flight reconciles finish, and resolves when all have. */
  stop(): Promise<void>;
}

/**
 * Starts `workers` loops that each take a key from the queue, reconcile it, apply the
 * queue action `queueActionFor` chooses, and mark the key done.
 *
 * Contract: the queue's exclusivity means no key is reconciled by two workers at once;
 * every key taken is `done` exactly once, whatever the reconcile throws (synchronously or
 * not); the queue action is applied before `done`, so a requeue is never lost; a worker
 * exits only when the queue is shut down.
 */
export function startWorkers(options: WorkerPoolOptions): WorkerPool {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
  }
  const { queue, controller } = options;
  const clock = options.clock ?? realClock;
  const baseLog = (options.log ?? noopLogger).child({ controller });
  const newReconcileId = options.newReconcileId ?? randomUUID;

  async function reconcileOne(key: string): Promise<void> {
    const reconcileId = newReconcileId();
    const log = baseLog.child({ ...keyFields(key), reconcileID: reconcileId });
    const started = clock.now();
    let outcome: ReconcileOutcome;
    try {
      const result = await options.reconcile(key, { reconcileId, log });
      outcome = { ok: true, result: result ?? {} };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const action = queueActionFor(outcome);
    try {
      applyQueueAction(queue, key, action);
    } finally {
      queue.done(key);
    }
    logAction(log, action, queue.numRequeues(key));
    if (options.onReconciled !== undefined) {
      const report = {
        controller,
        key,
        reconcileId,
        outcome,
        action,
        durationSeconds: (clock.now() - started) / 1000,
      };
      try {
        options.onReconciled(report);
      } catch (error) {
        log.error({ err: errorMessage(error) }, 'reconcile observer failed');
      }
    }
  }

  async function worker(): Promise<void> {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      await reconcileOne(key);
    }
  }

  const stopped = Promise.all(Array.from({ length: options.workers }, worker)).then(
    () => undefined,
  );
  return {
    stopped,
    async stop() {
      await queue.shutDownWithDrain();
      await stopped;
    },
  };
}

function keyFields(key: string): LogFields {
  try {
    const ref = parseObjectKey(key);
    return ref.namespace === undefined
      ? { name: ref.name }
      : { namespace: ref.namespace, name: ref.name };
  } catch {
    return { key };
  }
}

function logAction(log: Logger, action: QueueAction, requeues: number): void {
  switch (action.kind) {
    case QueueActionKind.Forget:
      log.debug({}, 'reconciled');
      return;
    case QueueActionKind.RequeueAfter:
      log.debug({ requeueAfterMs: action.delayMs }, 'reconciled, requeue scheduled');
      return;
    case QueueActionKind.RateLimited:
      log.error({ err: errorMessage(action.error), requeues }, 'reconcile failed, retrying');
      return;
    case QueueActionKind.Stall:
      log.warn({ err: action.error.message, reason: action.error.reason }, 'reconcile stalled');
      return;
  }
}
