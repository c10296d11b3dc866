/**
 * Runs syncs: at start, every `intervalMs`, and at once when triggered (a push webhook).
 * One sync at a time; triggers during a sync coalesce into one more.
 *
 * A commit is synced once: polling the same head again does nothing, unless the last
 * attempt failed for a reason that may pass (the source, an apply, a prune), which is
 * retried at every poll. An invalid commit is not retried: only a new commit can fix it.
 * The first poll after start always syncs, so objects removed from git (or from the
 * cluster) while the operator was down are pruned (or restored).
 */

import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { ManifestReader } from './manifest-files.js';
import { SyncReason, SyncResult, type SyncOutcome, type SyncReporter } from './outcome.js';
import type { TreeSource } from './source.js';
import { syncCommit, type SyncTarget } from './sync.js';

export interface SyncLoopOptions extends SyncTarget {
  source: TreeSource;
  reader: ManifestReader;
  intervalMs: number;
  reporters: readonly SyncReporter[];
  /** The kinds an earlier run recorded (read once, before the first sync; retried until it succeeds). */
  loadKinds: () => Promise<string[]>;
  log: Logger;
}

export class SyncLoop {
  private kinds: string[] | undefined;
  private lastRevision: string | undefined;
  private retry = true;
  private pending = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: SyncLoopOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Syncs as soon as the current sync (if any) is done. */
  trigger(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Stops polling; resolves once the sync in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.pending = false;
      try {
        await this.tick();
      } catch (error) {
        // Every expected failure is an outcome; this keeps an unexpected one from ending the loop.
        this.options.log.error({ error: errorMessage(error) }, 'sync attempt failed unexpectedly');
      }
      if (!this.idle()) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.intervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Neither triggered nor stopped since the last tick began. */
  private idle(): boolean {
    return !this.pending && !this.stopped;
  }

  private async tick(): Promise<void> {
    // Every outcome carries the kinds and the report records them, so they are read first:
    // reporting without them would make the report forget where managed objects live.
    if (this.kinds === undefined) {
      try {
        this.kinds = await this.options.loadKinds();
      } catch (error) {
        this.options.log.warn(
          { reason: SyncReason.listFailed, error: errorMessage(error) },
          'cannot read the last sync report; retrying at the next poll',
        );
        return;
      }
    }
    const kinds = this.kinds;
    const started = performance.now();
    const finish = async (outcome: Omit<SyncOutcome, 'durationSeconds'>): Promise<void> => {
      const complete = { ...outcome, durationSeconds: (performance.now() - started) / 1000 };
      this.kinds = complete.kinds;
      const level = complete.result === SyncResult.synced ? 'info' : 'warn';
      this.options.log[level](
        { revision: complete.revision, result: complete.result, reason: complete.reason },
        complete.message,
      );
      for (const reporter of this.options.reporters) await reporter.report(complete);
    };
    const failure = (reason: SyncReason, message: string) => ({
      revision: this.lastRevision,
      result: SyncResult.failed,
      reason,
      message,
      problems: [],
      applied: 0,
      unchanged: 0,
      pruned: 0,
      kinds,
    });
    let head: string | undefined;
    try {
      head = await this.options.source.head();
    } catch (error) {
      this.retry = true;
      await finish(
        failure(
          SyncReason.sourceFailed,
          `cannot read ${this.options.source.description}: ${errorMessage(error)}`,
        ),
      );
      return;
    }
    if (head === undefined) {
      this.retry = true;
      await finish(
        failure(SyncReason.branchNotFound, `${this.options.source.description}: no such branch`),
      );
      return;
    }
    if (head === this.lastRevision && !this.retry) return;
    const outcome = await syncCommit(this.options, head, kinds);
    this.lastRevision = head;
    this.retry = outcome.result === SyncResult.failed;
    await finish(outcome);
  }
}
