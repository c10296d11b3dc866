/**
 * The operator's life as a replica: campaign for leadership (or lead at once without an
 * elector), and while leading run one Manager's term: build it, start it, keep it until
 * leadership is lost or shutdown is asked for, then stop it with its in-flight work done.
 *
 * Contract:
 * - a term's manager starts only after `newManager` built it, and stops before the next
 *   term can begin (the elector hands out one term at a time);
 * - `onStarted`'s stop function runs before the manager stops;
 * - shutdown is honoured at every point of a term, including while the caches wait for an
 *   API server that does not answer;
 * - once shutdown is asked for, the term has `gracePeriodMs` to stop; work still running
 *   then is abandoned and the result says so;
 * - the result says whether leadership was lost (the replica should exit so a fresh one
 *   campaigns) or the replica was asked to stop.
 */

import { untilAborted } from './abort.js';
import { realClock, type Clock } from './clock.js';
import type { LeaderElector } from './leader-election.js';
import type { Manager } from './manager.js';

export interface ElectedOptions {
  /** Without one, this replica leads at once and until shutdown. */
  elector: LeaderElector | undefined;
  shutdown: AbortSignal;
  /** Builds a term's manager with its controllers added; not started. */
  newManager: () => Manager;
  /** After the manager's caches synced; returns what to stop before the manager stops. */
  onStarted?: (manager: Manager) => (() => Promise<void>) | undefined;
  /** Told when a term begins (true) and ends (false). */
  onLeading?: (leading: boolean) => void;
  /** How long stopping may take once shutdown is asked for; default 25 s. */
  gracePeriodMs?: number;
  clock?: Clock;
}

export interface ElectedResult {
  lostLeadership: boolean;
  /** The grace period ended with work still running (in-flight reconciles, a Lease release). */
  abandoned: boolean;
}

/** Runs until shutdown or lost leadership; resolves with which it was. */
export async function runElected(options: ElectedOptions): Promise<ElectedResult> {
  const { shutdown } = options;
  const life = lead(options);
  const finished = await withinGrace(
    life,
    shutdown,
    options.gracePeriodMs ?? 25_000,
    options.clock ?? realClock,
  );
  return finished
    ? { ...(await life), abandoned: false }
    : { lostLeadership: false, abandoned: true };
}

async function lead(options: ElectedOptions): Promise<{ lostLeadership: boolean }> {
  const { elector, shutdown } = options;
  const term = async (lost: AbortSignal): Promise<void> => {
    options.onLeading?.(true);
    const ending = AbortSignal.any([lost, shutdown]);
    const manager = options.newManager();
    if (await manager.start(ending)) {
      const stopExtras = options.onStarted?.(manager);
      await untilAborted(ending);
      await stopExtras?.();
    }
    await manager.stop();
    options.onLeading?.(false);
  };
  if (shutdown.aborted) return { lostLeadership: false };
  if (elector === undefined) {
    await term(new AbortController().signal);
    return { lostLeadership: false };
  }
  let leading: Promise<void> | undefined;
  const campaign = elector.run((lost) => {
    leading = term(lost);
  });
  shutdown.addEventListener('abort', () => void elector.stop(), { once: true });
  await campaign;
  await leading;
  await elector.stop();
  return { lostLeadership: !shutdown.aborted };
}

/** Whether `work` settles no later than `graceMs` after `shutdown` aborts. */
async function withinGrace(
  work: Promise<unknown>,
  shutdown: AbortSignal,
  graceMs: number,
  clock: Clock,
): Promise<boolean> {
  const cancelGrace = new AbortController();
  const graceOver = untilAborted(shutdown)
    .then(() => clock.sleep(graceMs, cancelGrace.signal))
    .then(
      () => false as const,
      () => true as const,
    );
  try {
    return await Promise.race([work.then(() => true as const), graceOver]);
  } finally {
    cancelGrace.abort();
  }
}
