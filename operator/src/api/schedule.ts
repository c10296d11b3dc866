/**
 * Reading a TrainingJob's `spec.schedule`: a cron expression (cron-parser's dialect: five
 * fields, six with seconds, or `@daily` and the like) in `spec.timeZone`, an IANA zone
 * (UTC when unset). Pure: the answers depend only on the spec and the time given.
 *
 * The operator plans scheduled runs with {@link scheduleTimes}; `ferry validate` reports
 * {@link scheduleProblem} before anything is applied.
 */

import { CronExpressionParser } from 'cron-parser';
import type { TrainingJobSpec } from './kinds/training-job.js';

export type ScheduleTimes =
  | {
      ok: true;
      /** The latest time the schedule fired at or before now, in ms since the epoch. */
      latestMs: number | undefined;
      /** The next time it fires after now. */
      nextMs: number | undefined;
    }
  | { ok: false; message: string };

/** Why a schedule cannot be read: which of the two fields is at fault, and its value. */
export interface ScheduleProblem {
  field: 'schedule' | 'timeZone';
  value: string;
  /** Such as `not an IANA time zone, …`. */
  reason: string;
  /** The whole sentence, as a status condition shows it. */
  message: string;
}

function problem(field: ScheduleProblem['field'], value: string, reason: string): ScheduleProblem {
  return { field, value, reason, message: `spec.${field} "${value}" is ${reason}` };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parse(schedule: string, zone: string, atMs: number) {
  return CronExpressionParser.parse(schedule, { currentDate: new Date(atMs), tz: zone });
}

function zoneProblem(zone: string): ScheduleProblem | undefined {
  return isTimeZone(zone)
    ? undefined
    : problem('timeZone', zone, 'not an IANA time zone, such as UTC or Europe/Paris');
}

function cronProblem(schedule: string, error: unknown): ScheduleProblem {
  const detail = error instanceof Error ? error.message : String(error);
  return problem('schedule', schedule, `not a cron expression: ${detail}`);
}

/** What is wrong with the spec's schedule; undefined when it has none or it can be read. */
export function scheduleProblem(
  spec: Pick<TrainingJobSpec, 'schedule' | 'timeZone'>,
): ScheduleProblem | undefined {
  if (spec.schedule === undefined) return undefined;
  const zone = spec.timeZone ?? 'UTC';
  const wrongZone = zoneProblem(zone);
  if (wrongZone !== undefined) return wrongZone;
  try {
    parse(spec.schedule, zone, 0);
    return undefined;
  } catch (error) {
    return cronProblem(spec.schedule, error);
  }
}

/** The schedule's times around `nowMs`; undefined when the TrainingJob has no schedule. */
export function scheduleTimes(spec: TrainingJobSpec, nowMs: number): ScheduleTimes | undefined {
  if (spec.schedule === undefined) return undefined;
  const zone = spec.timeZone ?? 'UTC';
  const wrongZone = zoneProblem(zone);
  if (wrongZone !== undefined) return { ok: false, message: wrongZone.message };
  try {
    // cron-parser's prev() excludes the current instant; a millisecond later includes it.
    const latest = parse(spec.schedule, zone, nowMs + 1);
    const next = parse(spec.schedule, zone, nowMs);
    return {
      ok: true,
      latestMs: latest.hasPrev() ? latest.prev().getTime() : undefined,
      nextMs: next.hasNext() ? next.next().getTime() : undefined,
    };
  } catch (error) {
    return { ok: false, message: cronProblem(spec.schedule, error).message };
  }
}
