// Brute-force reference for wall-clock schedules (cron and @At): which
// instants are due, found by walking minute by minute (and second by second
// inside a matching minute) with the README's DST rule:
// - a wall time skipped by a spring-forward gap fires shifted forward by the
//   gap (Temporal's 'compatible': the offset from before the gap applies);
// - a wall time that occurs twice fires at its first occurrence only, unless
//   the schedule fires every hour (cron with hour field `*`), where it fires at
//   both, as cron-parser does: an hourly job keeps running every real hour.
// Every zone used has transitions on whole minutes, so one minute of UTC is
// one minute of wall time with one offset.

import {
  type Transition,
  type Wall,
  wallOf,
  type ZoneModel,
} from './zone.reference';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A schedule read on the wall clock of a zone. */
export interface WallSchedule {
  /** Whether the calendar day (year, month, day, weekday) can fire. */
  dayMatches(wall: Wall): boolean;
  /** Whether some minute of the hour can fire. */
  hourMatches(hour: number): boolean;
  /** Whether hour:minute can fire. */
  timeMatches(hour: number, minute: number): boolean;
  /** The seconds it fires at, ascending. */
  readonly seconds: readonly number[];
  /** A wall time that occurs twice fires at both occurrences (else the first only). */
  readonly bothOccurrences: boolean;
}

function wallMatches(schedule: WallSchedule, wall: Wall): boolean {
  return (
    schedule.timeMatches(wall.hour, wall.minute) && schedule.dayMatches(wall)
  );
}

/** Whether the minute starting at `u` (a multiple of a minute) holds due instants. */
function minuteIsDue(
  schedule: WallSchedule,
  zone: ZoneModel,
  u: number,
  transitions: readonly Transition[],
): boolean {
  const offset = zone.offsetAt(u);
  let secondOccurrence = false;
  for (const tr of transitions) {
    const shift = tr.after - tr.before;
    if (shift > 0 && u >= tr.at && u < tr.at + shift) {
      // The image of the gap: the skipped wall time u + before fires here.
      if (wallMatches(schedule, wallOf(u + tr.before))) return true;
    }
    if (shift < 0 && u >= tr.at && u < tr.at - shift) secondOccurrence = true;
  }
  if (secondOccurrence && !schedule.bothOccurrences) return false;
  return wallMatches(schedule, wallOf(u + offset));
}

/**
 * The first due instant after `from` (or at it, when `inclusive`) and at or
 * before `limit`, or `null` when none is in that window.
 */
export function referenceNext(
  schedule: WallSchedule,
  zone: ZoneModel,
  from: number,
  inclusive: boolean,
  limit: number,
): number | null {
  const transitions = zone.transitionsBetween(from - DAY_MS, limit + DAY_MS);
  let u = Math.floor(from / MINUTE_MS) * MINUTE_MS;
  while (u <= limit) {
    const wall = wallOf(u + zone.offsetAt(u));
    const nearTransition = transitions.some(
      (tr) => Math.abs(tr.at - u) < DAY_MS,
    );
    // Far from any offset change, skip the rest of a wall day or hour that cannot fire.
    if (!nearTransition && !schedule.dayMatches(wall)) {
      u += ((23 - wall.hour) * 60 + (60 - wall.minute)) * MINUTE_MS;
      continue;
    }
    if (!nearTransition && !schedule.hourMatches(wall.hour)) {
      u += (60 - wall.minute) * MINUTE_MS;
      continue;
    }
    if (minuteIsDue(schedule, zone, u, transitions)) {
      for (const second of schedule.seconds) {
        const t = u + second * 1000;
        if ((inclusive ? t >= from : t > from) && t <= limit) return t;
      }
    }
    u += MINUTE_MS;
  }
  return null;
}

/**
 * `Date.getUTCDay()` of each `@At` day; `null` for every day. Written out
 * again on purpose, not imported from lib: an oracle that shared lib's table
 * would share its mistakes (AioClock's weekday bug lived in such arithmetic).
 */
const AT_WEEKDAYS: Record<string, number | null> = {
  'every day': null,
  'every sunday': 0,
  'every monday': 1,
  'every tuesday': 2,
  'every wednesday': 3,
  'every thursday': 4,
  'every friday': 5,
  'every saturday': 6,
};

/** The reference for `@At({ hour, minute, second, at })`: one wall time on every day or on one weekday. */
export function atSchedule(
  hour: number,
  minute: number,
  second: number,
  at: string,
): WallSchedule {
  const weekday = AT_WEEKDAYS[at];
  if (weekday === undefined) throw new Error(`not an @At day: ${at}`);
  return {
    seconds: [second],
    bothOccurrences: false,
    dayMatches: (wall) => weekday === null || wall.weekday === weekday,
    hourMatches: (h) => h === hour,
    timeMatches: (h, m) => h === hour && m === minute,
  };
}
