/**
 * When `spec.schedule` fires, read with cron-parser in `spec.timeZone` (UTC when unset).
 * Pure: the answer depends only on the spec and the time given.
 */

import { CronExpressionParser } from 'cron-parser';
import type { TrainingJobSpec } from '../../api/index.js';

export type ScheduleTimes =
  | {
      ok: true;
      /** The latest time the schedule fired at or before now, in ms since the epoch. */
      latestMs: number | undefined;
      /** The next time it fires after now. */
      nextMs: number | undefined;
    }
  | { ok: false; message: string };

/** The schedule's times around `nowMs`; undefined when the TrainingJob has no schedule. */
export function scheduleTimes(spec: TrainingJobSpec, nowMs: number): ScheduleTimes | undefined {
  if (spec.schedule === undefined) return undefined;
  const zone = spec.timeZone ?? 'UTC';
  try {
    // cron-parser's prev() excludes the current instant; a millisecond later includes it.
    const latest = CronExpressionParser.parse(spec.schedule, {
      currentDate: new Date(nowMs + 1),
      tz: zone,
    });
    const next = CronExpressionParser.parse(spec.schedule, {
      currentDate: new Date(nowMs),
      tz: zone,
    });
    return {
      ok: true,
      latestMs: latest.hasPrev() ? latest.prev().getTime() : undefined,
      nextMs: next.hasNext() ? next.next().getTime() : undefined,
    };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      message: `spec.schedule "${spec.schedule}" in time zone ${zone} cannot be read: ${detail}`,
    };
  }
}
