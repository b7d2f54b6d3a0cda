import { atNoDueTime } from '../aioclock.messages';
import { AioClockError } from '../errors/aioclock.error';
import type { AtDay } from '../interfaces/trigger-params.interface';
import type { Trigger } from './trigger';
import { instantOfWallTime, wallTimeAt } from './zoned-time';

/** `Date.getUTCDay()` number of each `at` day; `null` for every day. */
const WEEKDAY: Record<AtDay, number | null> = {
  'every day': null,
  'every sunday': 0,
  'every monday': 1,
  'every tuesday': 2,
  'every wednesday': 3,
  'every thursday': 4,
  'every friday': 5,
  'every saturday': 6,
};

const DAY_MS = 86_400_000;
/** Larger than any DST or zone-change gap outside date-line moves. */
const MAX_GAP_MS = 6 * 3_600_000;

/**
 * A wall-clock time in a zone, every day or on one weekday. Due times are
 * instants: a time skipped by a DST gap is shifted forward by the gap, a
 * time that occurs twice fires once, at its first occurrence.
 */
export class AtTrigger implements Trigger {
  private readonly weekday: number | null;
  private readonly secondOfDayMs: number;

  /**
   * @param hour 0–23
   * @param minute 0–59
   * @param second 0–59
   * @param day which days it fires on
   * @param timeZone a valid IANA zone
   */
  constructor(
    hour: number,
    minute: number,
    second: number,
    day: AtDay,
    readonly timeZone: string,
  ) {
    this.weekday = WEEKDAY[day];
    this.secondOfDayMs = ((hour * 60 + minute) * 60 + second) * 1000;
  }

  /** The first due time at or after `now`: when now is the time exactly, it fires now. */
  first(now: number): number {
    return this.dueFrom(now, true);
  }

  /** The first due time strictly after `previous`. */
  next(previous: number): number {
    return this.dueFrom(previous, false);
  }

  private dueFrom(from: number, inclusive: boolean): number {
    const wall = wallTimeAt(from, this.timeZone);
    const today = Date.UTC(wall.year, wall.month - 1, wall.day);
    const timeOfDayMs =
      ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1000;
    // Yesterday's time matters only when a DST gap shifts it past midnight,
    // i.e. when it is late in the day and now is early: check it only then.
    const firstOffset =
      DAY_MS + timeOfDayMs - this.secondOfDayMs <= MAX_GAP_MS ? -1 : 0;
    // Eight days cover any weekday plus the slack of a shifted time.
    for (let offset = firstOffset; offset <= 8; offset++) {
      const midnight = today + offset * DAY_MS;
      if (
        this.weekday !== null &&
        new Date(midnight).getUTCDay() !== this.weekday
      )
        continue;
      const due = instantOfWallTime(
        midnight + this.secondOfDayMs,
        this.timeZone,
      );
      if (inclusive ? due >= from : due > from) return due;
    }
    // Unreachable for real zones; fail loudly rather than loop.
    throw new AioClockError(atNoDueTime(this.timeZone));
  }
}
