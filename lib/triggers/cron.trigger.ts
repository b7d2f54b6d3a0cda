import type { CronExpression } from 'cron-parser';
import { cronExpressionParser } from './cron-parser.loader';
import type { Trigger } from './trigger';
import {
  fixedOffsetZone,
  instantOfWallTime,
  nextOffsetChange,
  offsetAt,
  wallClockAsUtc,
} from './zoned-time';

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
  readonly timeZone: string;
  readonly results: Map<number, number | null>;
  /** The expression in each fixed offset the zone has used, for `nextPiecewise`. */
  readonly fixed: Map<number, CronExpression>;
  /** The latest `previous` asked about and its answer: thousands of tasks ask for it in a row. */
  lastPrevious: number;
  lastDue: number | null;
}

/** Distinct (zone, expression) pairs kept; the oldest is dropped beyond this. */
const MAX_SCHEDULES = 1_000;
/** Memoised `next` results per pair: enough for a few ticks of skew between tasks. */
const MAX_RESULTS = 64;

const schedules = new Map<string, CronSchedule>();

/** Per zone, per year: whether cron-parser's own zone handling is unreliable around then (see `computeNext`). */
const unreliableZones = new Map<string, Map<number, boolean>>();

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const YEAR_MS = 366 * DAY_MS;

/**
 * Whether, in the years around `instant`, the zone changes its offset by
 * other than whole hours (Lord Howe), at other than a whole local hour
 * (Chatham, 02:45) or around local midnight (Havana, Gaza; São Paulo until
 * 2019): cron-parser fails, is an hour off, or picks the second of two
 * occurrences around such changes. The rules are sampled around the instant
 * being computed, never around today, so a schedule computed for another
 * year (a `VirtualClock` in 2040, a replay of 2015) uses that year's rules.
 * @param timeZone a valid IANA zone
 * @param instant the epoch ms being computed from
 */
export function cronParserUnreliable(
  timeZone: string,
  instant: number,
): boolean {
  let years = unreliableZones.get(timeZone);
  if (years === undefined) {
    years = new Map();
    unreliableZones.set(timeZone, years);
  }
  const year = Math.floor(instant / YEAR_MS);
  let known = years.get(year);
  if (known === undefined) {
    known = false;
    // From a year before this one to a year after it.
    const end = (year + 2) * YEAR_MS;
    let from = (year - 1) * YEAR_MS;
    for (
      let change = nextOffsetChange(from, timeZone, end - from);
      change !== null && !known;
    ) {
      const wallBefore = wallClockAsUtc(change - 1000, timeZone) + 1000;
      const wallAfter = wallClockAsUtc(change, timeZone);
      known =
        (wallAfter - wallBefore) % HOUR_MS !== 0 ||
        wallBefore % HOUR_MS !== 0 ||
        wallBefore % DAY_MS < HOUR_MS ||
        wallAfter % DAY_MS < HOUR_MS;
      from = change;
      change = nextOffsetChange(from, timeZone, end - from);
    }
    years.set(year, known);
  }
  return known;
}

function scheduleFor(expression: string, timeZone: string): CronSchedule {
  const key = `${timeZone}\n${expression}`;
  let schedule = schedules.get(key);
  if (!schedule) {
    schedule = {
      expression: cronExpressionParser().parse(expression, { tz: timeZone }),
      source: expression,
      timeZone,
      results: new Map(),
      fixed: new Map(),
      lastPrevious: NaN,
      lastDue: null,
    };
    if (schedules.size >= MAX_SCHEDULES)
      schedules.delete(schedules.keys().next().value as string);
    schedules.set(key, schedule);
  }
  return schedule;
}

function nextAfter(schedule: CronSchedule, previous: number): number | null {
  if (previous === schedule.lastPrevious) return schedule.lastDue;
  let due = schedule.results.get(previous);
  if (due === undefined) {
    due = computeNext(schedule, previous);
    const { results } = schedule;
    if (results.size >= MAX_RESULTS)
      results.delete(results.keys().next().value as number);
    results.set(previous, due);
  }
  schedule.lastPrevious = previous;
  schedule.lastDue = due;
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

/** Offset changes the fallback steps through before giving up (50 years of DST). */
const MAX_SEGMENTS = 100;

/** How far behind `previous` the walk starts, to see a spring-forward gap just passed from its old offset. */
const LOOKBACK_MS = 6 * HOUR_MS;

/**
 * The next match after `previous`, by the README's DST rule: a wall time skipped
 * by a spring-forward gap fires shifted forward by the gap; a wall time that
 * occurs twice fires at its first occurrence only (except that an expression
 * for every hour fires in every real hour).
 *
 * cron-parser is exact while the zone's offset stays put, so its answer is
 * taken as is when no offset change lies between `previous` and the answer
 * (or in the day before it). Near a change, where it skips shifted times,
 * fires second passes, or gives up ("loop limit exceeded", after seconds of
 * work, in zones like Lord Howe), the schedule is walked piecewise instead.
 * In zones where cron-parser is unreliable (see `cronParserUnreliable`) the
 * walk is used throughout.
 */
function computeNext(schedule: CronSchedule, previous: number): number | null {
  if (!cronParserUnreliable(schedule.timeZone, previous)) {
    const due = tryNext(schedule.expression, previous);
    if (due !== null && due > previous) {
      // Look behind `previous` too: asked from just after a spring-forward
      // change, skipped wall times shifted by the gap are still due, and
      // cron-parser does not return them.
      const start = Math.min(previous - LOOKBACK_MS, due - DAY_MS);
      const change = nextOffsetChange(start, schedule.timeZone, due - start);
      if (change === null || change > due) return due;
    }
  }
  return nextPiecewise(schedule, previous);
}

/**
 * Walks the schedule one fixed-offset stretch at a time: between two offset
 * changes the zone is a fixed offset, where cron-parser is exact.
 */
function nextPiecewise(
  schedule: CronSchedule,
  previous: number,
): number | null {
  const { timeZone } = schedule;
  const everyHour = schedule.expression.fields.hour.values.length === 24;
  let from = previous;
  let segmentStart = previous - LOOKBACK_MS;
  for (let segment = 0; segment < MAX_SEGMENTS; segment++) {
    const offset = offsetAt(segmentStart, timeZone);
    const fixed = fixedOffsetExpression(schedule, offset);
    let candidate = tryNext(fixed, from);
    let change: number | null = null;
    while (candidate !== null) {
      change = nextOffsetChange(
        segmentStart,
        timeZone,
        candidate - segmentStart,
      );
      if (change !== null && change <= candidate) {
        // Past this stretch, unless it is a wall time skipped by a
        // spring-forward gap: read with the old offset it lands shifted
        // forward by the gap, which is where it fires.
        // In that image of the gap, existing wall times (read with the new
        // offset) interleave with the shifted ones: the earlier one is due.
        const after = offsetAt(change, timeZone);
        const gap = after - offset;
        if (gap > 0 && candidate < change + gap) {
          const existing = tryNext(
            fixedOffsetExpression(schedule, after),
            Math.max(previous, change - 1),
          );
          return existing !== null && existing < candidate
            ? existing
            : candidate;
        }
        break;
      }
      if (everyHour) return candidate;
      const first = instantOfWallTime(
        wallClockAsUtc(candidate, timeZone),
        timeZone,
      );
      if (first >= candidate) return candidate;
      // The second pass of a repeated stretch after a fall-back: skip to its end.
      const repeat = candidate - first;
      const fallBack = nextOffsetChange(first, timeZone, repeat) ?? candidate;
      candidate = tryNext(fixed, Math.max(candidate, fallBack + repeat - 1));
    }
    if (candidate === null) return null;
    from = Math.max(previous, change! - 1); // next() is strictly after `from`: the change itself may match
    segmentStart = change!;
  }
  return null;
}

function fixedOffsetExpression(
  schedule: CronSchedule,
  offset: number,
): CronExpression {
  let expression = schedule.fixed.get(offset);
  if (!expression) {
    expression = cronExpressionParser().parse(schedule.source, {
      tz: fixedOffsetZone(offset),
    });
    schedule.fixed.set(offset, expression);
  }
  return expression;
}

/**
 * A cron expression (5 fields, or 6 with seconds first) in a zone, read by
 * cron-parser, with the README's DST rule: a time skipped by a gap fires at the
 * shifted instant, a time that occurs twice fires once, at its first
 * occurrence (an every-hour expression fires in every real hour).
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
