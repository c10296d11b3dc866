/**
 * Which queued requests run together: the dynamic batching decision, in the style of
 * Triton's dynamic batcher. Pure.
 */

/** What the planner needs to know of a queued request. */
export interface Queued {
  /** Rows along dimension 0. */
  readonly rows: number;
  /**
   * Requests stack only with others of the same key (their shapes past dimension 0);
   * `undefined` means the request always runs alone (the model is not batch-major, or the
   * request's inputs disagree on dimension 0).
   */
  readonly key: string | undefined;
}

export interface BatchPlan {
  /** How many requests from the head of the queue form the batch (at least 1). */
  readonly take: number;
  /** Rows in the batch. */
  readonly rows: number;
  /** Nothing that may still arrive could join: run now rather than wait for the delay. */
  readonly closed: boolean;
}

/**
 * The batch to form from the head of a non-empty `queue`, in arrival order: the head, then
 * each following request with the head's key while the rows stay within `maxBatchSize`. A
 * request that does not fit ends the batch (no overtaking, so none starves). A head with more
 * rows than `maxBatchSize` runs alone, unsplit.
 */
export function planBatch(queue: readonly Queued[], maxBatchSize: number): BatchPlan {
  const [head] = queue;
  if (head === undefined) throw new RangeError('planBatch needs a non-empty queue');
  if (head.key === undefined || head.rows >= maxBatchSize) {
    return { take: 1, rows: head.rows, closed: true };
  }
  let rows = head.rows;
  let take = 1;
  for (; take < queue.length; take++) {
    const next = queue[take];
    if (next === undefined || next.key !== head.key || rows + next.rows > maxBatchSize) {
      return { take, rows, closed: true };
    }
    rows += next.rows;
  }
  return { take, rows, closed: rows >= maxBatchSize };
}

/**
 * Milliseconds to hold a planned batch before running it: 0 when it is closed or the oldest
 * request has waited `maxDelayMs` already (a delay of 0, the default, never waits).
 */
export function holdFor(plan: BatchPlan, oldestWaitedMs: number, maxDelayMs: number): number {
  if (plan.closed || maxDelayMs <= 0) return 0;
  return Math.max(0, maxDelayMs - oldestWaitedMs);
}
