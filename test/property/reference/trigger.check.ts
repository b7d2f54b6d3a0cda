// Compares a run-time trigger's due times with the brute-force reference.

import type { Trigger } from '../../../lib/triggers';
import { referenceNext, type WallSchedule } from './schedule.reference';
import { zoneModel } from './zone.reference';

/** How far past `from` to look when the trigger says "never": decades, since rare crons exist (Feb 29 on a Monday). */
const NEVER_HORIZON_MS = 30 * 366 * 86_400_000;

const iso = (t: number | null): string =>
  t === null ? 'null' : new Date(t).toISOString();

/** One disagreement between trigger and reference. */
export interface Mismatch {
  step: number;
  from: string;
  got: string;
  expected: string;
  fromMs: number;
  gotMs: number | null;
  expectedMs: number | null;
}

/**
 * Walks `steps` due times of `trigger` from `now` (`first`, then `next` from
 * each due time) and checks each against the reference: the due time is the
 * first instant of the schedule after the previous one (at or after `now` for
 * `first` when `firstInclusive`), so it is later than that, it matches, and
 * nothing between matches.
 * @returns the first disagreement, or `null`
 */
export function compareWithReference(
  trigger: Trigger,
  schedule: WallSchedule,
  timeZone: string,
  now: number,
  steps: number,
  firstInclusive: boolean,
): Mismatch | null {
  const zone = zoneModel(timeZone);
  let from = now;
  let got = trigger.first(now);
  for (let step = 0; step < steps; step++) {
    const inclusive = step === 0 && firstInclusive;
    const expected = referenceNext(
      schedule,
      zone,
      from,
      inclusive,
      got ?? from + NEVER_HORIZON_MS,
    );
    const ordered = got === null || (inclusive ? got >= from : got > from);
    if (expected !== got || !ordered) {
      return {
        step,
        from: iso(from),
        got: iso(got),
        expected: iso(expected),
        fromMs: from,
        gotMs: got,
        expectedMs: expected,
      };
    }
    if (got === null) return null;
    from = got;
    got = trigger.next(got);
  }
  return null;
}
