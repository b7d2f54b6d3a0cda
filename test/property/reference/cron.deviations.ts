// Where cron-parser 5.10.6 (and so @Cron) is known to depart from API.md's
// DST rule, each class pinned by a narrow predicate so anything else still
// fails the property. Found by the property tests; rows reproducing each
// class are in cron.deviations.spec.ts. A fix in lib/triggers/cron.trigger.ts
// should empty this list.

import type { WallSchedule } from './schedule.reference';
import { type Transition, type ZoneModel } from './zone.reference';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The known classes. */
export type CronDeviation =
  /**
   * Zones whose DST shift is not one whole hour at a whole hour (Lord_Howe:
   * 30 min at 02:00; Chatham: 1 h at 02:45): skipped times are dropped,
   * existing times right after the gap are missed, and on some fall-back
   * nights cron-parser gives up ("loop limit exceeded"), which ends the task.
   */
  | 'sub-hour-transition'
  /**
   * Asked from inside the second pass of a repeated hour, cron-parser fires
   * again in that pass (API.md: first occurrence only).
   */
  | 'second-pass'
  /**
   * Asked from inside the shifted image of a spring-forward gap, cron-parser
   * skips the rest of the skipped hour (`* 2 * * *` fires once at 03:00, not
   * at 03:01… as 02:01… shifted by the gap).
   */
  | 'gap-hour-once'
  /**
   * Asked within the last second before a fall-back, cron-parser flags the
   * repeated hour and, if nothing matches that night, skips that hour on the
   * next day it matches.
   */
  | 'stale-repeat-flag';

function isSubHour(tr: Transition): boolean {
  const wallAtChange = tr.at + tr.before;
  return (
    Math.abs(tr.after - tr.before) !== HOUR_MS || wallAtChange % HOUR_MS !== 0
  );
}

/**
 * The known deviation a mismatch belongs to, or `null` when it is new.
 * @param from the instant the trigger was asked from
 * @param got what the trigger said
 * @param expected what the reference says
 */
export function classifyCronDeviation(
  schedule: WallSchedule,
  zone: ZoneModel,
  from: number,
  got: number | null,
  expected: number | null,
): CronDeviation | null {
  const end = Math.max(got ?? -Infinity, expected ?? -Infinity, from);
  const nearby = zone.transitionsBetween(from - DAY_MS, end + DAY_MS);
  if (nearby.some(isSubHour)) return 'sub-hour-transition';
  for (const tr of nearby) {
    const shift = tr.after - tr.before;
    if (shift < 0) {
      const secondPassEnd = tr.at - shift;
      if (
        !schedule.bothOccurrences &&
        from >= tr.at &&
        from < secondPassEnd &&
        got !== null &&
        got < secondPassEnd
      ) {
        return 'second-pass';
      }
      if (
        from >= tr.at - 1000 &&
        from < tr.at &&
        expected !== null &&
        (got === null || got > expected)
      ) {
        return 'stale-repeat-flag';
      }
    } else {
      const imageEnd = tr.at + shift;
      const inImage = (t: number | null): boolean =>
        t !== null && t >= tr.at && t < imageEnd;
      if (
        inImage(from) &&
        inImage(expected) &&
        (got === null || got > (expected as number))
      )
        return 'gap-hour-once';
    }
  }
  return null;
}
