import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { Trigger } from './trigger';
import { fixedOffsetZone, nextOffsetChange, offsetAt, wallClockAsUtc } from './zoned-time';

/**
 * One parsed expression in one zone, shared by every trigger with the same
 * pair, with a small memo of `next` results keyed by the previous due time.
 * Many tasks on the same expression ask for the same `previous` each tick, so
 * one cron-parser computation (tens of µs) serves them all. This is a memo of
 * a pure function, not state: sharing it across apps changes no result.
 */
interface CronSchedule {
  readonly expression: CronExpression;
  readonly source: string;
  /** Skip cron-parser's own zone handling, which fails in this zone. */
  readonly piecewise: boolean;
  readonly timeZone: string;
  readonly results: Map<number, number | null>;
  /** The expression in each fixed offset the zone has used, for `nextPiecewise`. */
  readonly fixed: Map<number, CronExpression>;
}

/** Distinct (zone, expression) pairs kept; the oldest is dropped beyond this. */
const MAX_SCHEDULES = 1_000;
/** Memoised `next` results per pair: enough for a few ticks of skew between tasks. */
const MAX_RESULTS = 64;

const schedules = new Map<string, CronSchedule>();

/** Per zone: whether it changes its offset by other than whole hours (see `computeNext`). */
const fractionalZones = new Map<string, boolean>();

function hasFractionalHourChanges(timeZone: string): boolean {
  let known = fractionalZones.get(timeZone);
  if (known === undefined) {
    known = false;
    // A year back and two ahead of today: the rules a running app meets.
    const end = Date.now() + 2 * 366 * 86_400_000;
    let instant = Date.now() - 366 * 86_400_000;
    for (let change = nextOffsetChange(instant, timeZone, end - instant); change !== null && !known; ) {
      known = (offsetAt(change, timeZone) - offsetAt(change - 1000, timeZone)) % 3_600_000 !== 0;
      instant = change;
      change = nextOffsetChange(instant, timeZone, end - instant);
    }
    fractionalZones.set(timeZone, known);
  }
  return known;
}

function scheduleFor(expression: string, timeZone: string): CronSchedule {
  const key = `${timeZone}\n${expression}`;
  let schedule = schedules.get(key);
  if (!schedule) {
    schedule = {
      expression: CronExpressionParser.parse(expression, { tz: timeZone }),
      source: expression,
      piecewise: hasFractionalHourChanges(timeZone),
      timeZone,
      results: new Map(),
      fixed: new Map(),
    };
    if (schedules.size >= MAX_SCHEDULES) schedules.delete(schedules.keys().next().value as string);
    schedules.set(key, schedule);
  }
  return schedule;
}

function nextAfter(schedule: CronSchedule, previous: number): number | null {
  const cached = schedule.results.get(previous);
  if (cached !== undefined) return cached;
  const due = computeNext(schedule, previous);
  const { results } = schedule;
  if (results.size >= MAX_RESULTS) results.delete(results.keys().next().value as number);
  results.set(previous, due);
  return due;
}

function tryNext(expression: CronExpression, from: number): number | null {
  try {
    expression.reset(new Date(from));
    return expression.next().getTime();
  } catch {
    return null;
  }
}

/** Offset changes the fallback steps through before giving up. */
const MAX_SEGMENTS = 8;

/**
 * cron-parser gives up ("loop limit exceeded", after seconds of work) near
 * DST changes that are not whole hours, such as Lord Howe's half-hour one,
 * even for matches before the change. In such zones, or if it gives up
 * anywhere else, walk
 * the schedule piecewise: between two offset changes the zone is a fixed
 * offset, where cron-parser is exact. Wall times that repeat one already
 * past (the hour after a fall-back) are skipped so each fires once; times
 * inside a spring-forward gap do not exist in either segment and are skipped.
 */
function computeNext(schedule: CronSchedule, previous: number): number | null {
  if (!schedule.piecewise) {
    const due = tryNext(schedule.expression, previous);
    // cron-parser can also step backwards inside a repeated hour (seen with
    // `*/30 2 * * *` on a fall-back night); never hand that on.
    if (due !== null && due > previous) return due;
  }
  return nextPiecewise(schedule, previous);
}

function nextPiecewise(schedule: CronSchedule, previous: number): number | null {
  const { timeZone } = schedule;
  const previousWall = wallClockAsUtc(previous, timeZone);
  let from = previous;
  let segmentStart = previous;
  for (let segment = 0; segment < MAX_SEGMENTS; segment++) {
    const fixed = fixedOffsetExpression(schedule, offsetAt(segmentStart, timeZone));
    let candidate = tryNext(fixed, from);
    let change: number | null = null;
    while (candidate !== null) {
      change = nextOffsetChange(segmentStart, timeZone, candidate - segmentStart);
      if (change !== null && change <= candidate) break; // the candidate lies past this segment
      if (wallClockAsUtc(candidate, timeZone) > previousWall) return candidate;
      candidate = tryNext(fixed, candidate);
    }
    if (candidate === null) return null;
    from = change! - 1; // next() is strictly after `from`: the change itself may match
    segmentStart = change!;
  }
  return null;
}

function fixedOffsetExpression(schedule: CronSchedule, offset: number): CronExpression {
  let expression = schedule.fixed.get(offset);
  if (!expression) {
    expression = CronExpressionParser.parse(schedule.source, { tz: fixedOffsetZone(offset) });
    schedule.fixed.set(offset, expression);
  }
  return expression;
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
