import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { Trigger } from './trigger';

/**
 * One parsed expression in one zone, shared by every trigger with the same
 * pair, with a small memo of `next` results keyed by the previous due time.
 * Many tasks on the same expression ask for the same `previous` each tick, so
 * one cron-parser computation (tens of µs) serves them all. This is a memo of
 * a pure function, not state: sharing it across apps changes no result.
 */
interface CronSchedule {
  readonly expression: CronExpression;
  readonly results: Map<number, number | null>;
}

/** Distinct (zone, expression) pairs kept; the oldest is dropped beyond this. */
const MAX_SCHEDULES = 1_000;
/** Memoised `next` results per pair: enough for a few ticks of skew between tasks. */
const MAX_RESULTS = 64;

const schedules = new Map<string, CronSchedule>();

function scheduleFor(expression: string, timeZone: string): CronSchedule {
  const key = `${timeZone}\n${expression}`;
  let schedule = schedules.get(key);
  if (!schedule) {
    schedule = { expression: CronExpressionParser.parse(expression, { tz: timeZone }), results: new Map() };
    if (schedules.size >= MAX_SCHEDULES) schedules.delete(schedules.keys().next().value as string);
    schedules.set(key, schedule);
  }
  return schedule;
}

function nextAfter(schedule: CronSchedule, previous: number): number | null {
  const cached = schedule.results.get(previous);
  if (cached !== undefined) return cached;
  let due: number | null;
  try {
    schedule.expression.reset(new Date(previous));
    due = schedule.expression.next().getTime();
  } catch {
    // cron-parser gives up past its loop limit: treat as "no more runs".
    due = null;
  }
  const { results } = schedule;
  if (results.size >= MAX_RESULTS) results.delete(results.keys().next().value as number);
  results.set(previous, due);
  return due;
}

/**
 * A cron expression (5 fields, or 6 with seconds first) in a zone, read by
 * cron-parser, including its DST rule: a time skipped by a gap fires at the
 * shifted instant, a daily time that occurs twice fires once.
 * Due times are strictly after the instant asked about: `* * * * *` asked at
 * 14:00:00 is due at 14:01:00.
 */
export class CronTrigger implements Trigger {
  private readonly schedule: CronSchedule;

  /**
   * @param expression a validated cron expression
   * @param timeZone a valid IANA zone
   */
  constructor(
    readonly expression: string,
    readonly timeZone: string,
  ) {
    this.schedule = scheduleFor(expression.trim(), timeZone);
  }

  /** The first match strictly after `now`. */
  first(now: number): number | null {
    return nextAfter(this.schedule, now);
  }

  /** The first match strictly after `previous`. */
  next(previous: number): number | null {
    return nextAfter(this.schedule, previous);
  }
}
