/**
 * The operator's life as a replica: campaign for leadership (or lead at once without an
 * elector), and while leading run one Manager's term: build it, start it, keep it until
 * leadership is lost or shutdown is asked for, then stop it with its in-flight work done.
 *
 * Contract:
 * - a term's manager starts only after `newManager` built it, and stops before the next
 *   term can begin (the elector hands out one term at a time);
 * - `onStarted`'s stop function runs before the manager stops;
 * - the result says whether leadership was lost (the replica should exit so a fresh one
 *   campaigns) or the replica was asked to stop.
 */

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
}

/** Runs until shutdown or lost leadership; resolves with which it was. */
export async function runElected(options: ElectedOptions): Promise<{ lostLeadership: boolean }> {
  const { elector, shutdown } = options;
  const term = async (lost: AbortSignal): Promise<void> => {
    options.onLeading?.(true);
    const manager = options.newManager();
    await manager.start();
    const stopExtras = options.onStarted?.(manager);
    await untilAborted([lost, shutdown]);
    await stopExtras?.();
    await manager.stop();
    options.onLeading?.(false);
  };
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

function untilAborted(signals: readonly AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) resolve();
    for (const signal of signals)
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
  });
}
