// Time-zone arithmetic on epoch milliseconds with Intl only (no dependency):
// the offset of a zone at an instant, and the instant of a wall-clock time.

/** One cached formatter per zone: constructing one costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Whether `timeZone` is a zone Intl knows (an IANA name such as
 * `Europe/Berlin`, or `UTC`). Valid zones are remembered, so asking again is cheap.
 * @param timeZone the candidate zone
 */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone === '') return false;
  if (formatters.has(timeZone)) return true;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false; // RangeError: invalid time zone
  }
}

/** A wall-clock reading: the calendar fields an instant shows in a zone. */
export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The wall-clock fields `instant` shows in `timeZone` (milliseconds dropped).
 * @param instant epoch ms
 * @param timeZone a valid IANA zone
 */
export function wallTimeAt(instant: number, timeZone: string): WallTime {
  const formatter = formatterFor(timeZone);
  // format() is about four times faster than formatToParts(); en-US with h23
  // reads "3/31/2024, 13:00:00". Fall back to the parts if that ever changes.
  const match = EN_US_DATE_TIME.exec(formatter.format(instant));
  if (match) {
    return {
      month: Number(match[1]),
      day: Number(match[2]),
      year: Number(match[3]),
      hour: Number(match[4]),
      minute: Number(match[5]),
      second: Number(match[6]),
    };
  }
  const wall: WallTime = {
    year: 0,
    month: 0,
    day: 0,
    hour: 0,
    minute: 0,
    second: 0,
  };
  for (const part of formatter.formatToParts(instant)) {
    switch (part.type) {
      case 'year':
      case 'month':
      case 'day':
      case 'hour':
      case 'minute':
      case 'second':
        wall[part.type] = Number(part.value);
        break;
    }
  }
  return wall;
}

const EN_US_DATE_TIME =
  /^(\d{1,2})\/(\d{1,2})\/(\d{4,}), (\d{2}):(\d{2}):(\d{2})$/;

/**
 * The zone's offset from UTC at `instant`, in ms (`+3 600 000` for CET).
 * @param instant epoch ms
 * @param timeZone a valid IANA zone
 */
export function offsetAt(instant: number, timeZone: string): number {
  return wallClockAsUtc(instant, timeZone) - Math.floor(instant / 1000) * 1000;
}

/**
 * The wall-clock time `instant` shows in `timeZone`, read as if it were UTC
 * (whole seconds), so wall times can be compared and subtracted.
 * @param instant epoch ms
 * @param timeZone a valid IANA zone
 */
export function wallClockAsUtc(instant: number, timeZone: string): number {
  const w = wallTimeAt(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

const DAY_MS = 86_400_000;

/**
 * The instant a wall-clock time happens in `timeZone`, with Temporal's
 * `'compatible'` disambiguation: a time skipped by a DST gap is shifted
 * forward by the gap (02:30 on a spring-forward night in Berlin is 03:30
 * CEST), a time that occurs twice resolves to its first occurrence.
 * Assumes at most one offset change within a day either side, as in every
 * real zone.
 * @param wallAsUtc the wall time's fields read as if they were UTC, i.e.
 *   `Date.UTC(year, month - 1, day, hour, minute, second)`
 * @param timeZone a valid IANA zone
 */
export function instantOfWallTime(wallAsUtc: number, timeZone: string): number {
  const before = offsetAt(wallAsUtc - DAY_MS, timeZone);
  const after = offsetAt(wallAsUtc + DAY_MS, timeZone);
  const early = wallAsUtc - before;
  // Same offset a day either side: no change near this time (zones never
  // change twice within two days), so the time exists exactly once.
  if (before === after) return early;
  const late = wallAsUtc - after;
  const earlyFits = offsetAt(early, timeZone) === before;
  const lateFits = offsetAt(late, timeZone) === after;
  if (earlyFits && lateFits) return Math.min(early, late); // occurs twice: the first one
  if (earlyFits) return early;
  if (lateFits) return late;
  // In the gap: apply the offset from before the change, which lands as far
  // past the change as the wall time was past its start, i.e. shifted by the gap.
  return early;
}

/**
 * The first instant after `instant`, within `horizonMs`, at which the zone's
 * offset differs from its offset at `instant` (to the second), or `null`.
 * Samples daily, then bisects: zones change at most once within a day.
 * @param instant epoch ms
 * @param timeZone a valid IANA zone
 * @param horizonMs how far ahead to look
 */
export function nextOffsetChange(
  instant: number,
  timeZone: string,
  horizonMs: number,
): number | null {
  const offset = offsetAt(instant, timeZone);
  // Offsets change on whole seconds: bisect over whole seconds.
  let low = Math.floor(instant / 1000) * 1000;
  for (
    let high = low + DAY_MS;
    high - DAY_MS < instant + horizonMs;
    high += DAY_MS
  ) {
    if (offsetAt(high, timeZone) !== offset) {
      // Invariant: offset at low is the old one, at high the new one.
      while (high - low > 1000) {
        const middle = low + Math.floor((high - low) / 2000) * 1000;
        if (offsetAt(middle, timeZone) === offset) low = middle;
        else high = middle;
      }
      return high;
    }
    low = high;
  }
  return null;
}

/**
 * A fixed-offset zone name luxon (cron-parser's date library) understands,
 * e.g. `UTC+10:30` for 37 800 000 ms.
 * @param offsetMs offset from UTC in ms, a whole number of minutes
 */
export function fixedOffsetZone(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const sign = offsetMs < 0 ? '-' : '+';
  return `UTC${sign}${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}
