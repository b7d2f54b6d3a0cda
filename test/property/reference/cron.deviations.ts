// Where @Cron (lib/triggers/cron.trigger.ts) is known to depart from API.md's
// DST rule, each class pinned by a narrow predicate so anything else still
// fails the property. Found by the property tests; rows reproducing each
// class are in cron.gap-image.spec.ts. A fix in lib/triggers/cron.trigger.ts
// should empty this list.
//
// Fixed since (rows kept in cron.deviations.spec.ts): cron-parser giving up
// ("loop limit exceeded") on Lord Howe's fall-back night, dropping times in
// half-hour and 02:45 gaps, firing in the second pass of a repeated hour,
// firing a skipped hour once, and a stale repeated-hour flag skipping the
// next day's match.

import type { WallSchedule } from './schedule.reference';
import type { ZoneModel } from './zone.reference';

const DAY_MS = 86_400_000;

/** The known classes. */
export type CronDeviation =
  /**
   * The reference's next due time lies in the image of a spring-forward gap
   * (the first `gap` ms after the change, where existing wall times and
   * shifted skipped ones interleave), and @Cron answers later: it returns a
   * shifted gap time while an existing wall time comes first (Lord Howe,
   * Chatham), or, asked from inside the image, jumps past the shifted times.
   */
  'gap-image-missed';

/**
 * The known deviation a mismatch belongs to, or `null` when it is new.
 * @param from the instant the trigger was asked from
 * @param got what the trigger said
 * @param expected what the reference says
 */
export function classifyCronDeviation(
  _schedule: WallSchedule,
  zone: ZoneModel,
  from: number,
  got: number | null,
  expected: number | null,
): CronDeviation | null {
  if (expected === null || (got !== null && got < expected)) return null;
  for (const tr of zone.transitionsBetween(from - DAY_MS, expected + DAY_MS)) {
    const shift = tr.after - tr.before;
    if (shift > 0 && expected >= tr.at && expected < tr.at + shift)
      return 'gap-image-missed';
  }
  return null;
}
