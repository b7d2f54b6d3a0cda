import type { Trigger } from '../triggers/trigger';

/** The due times of a task that lie strictly between two instants. */
export interface MissedDueTimes {
  /** The newest ones, up to the number asked for, oldest first. */
  newest: number[];
  /** How many lie between in all; a lower bound when `exact` is false. */
  total: number;
  exact: boolean;
}

/**
 * A forward count (triggers without an arithmetic jump) stops here: a cron's
 * step costs ~0.1–0.2 ms (cron-parser), and the count is only for a log line.
 */
export const MISSED_COUNT_LIMIT = 1_000;

/** The first span looked at, back from `before`, in ms; it doubles. */
const FIRST_SPAN_MS = 1_000;

/**
 * The due times in (after, before) of a task's schedule, newest `keep` of
 * them, without walking the whole gap: a trigger only steps forward, so the
 * span looked at grows back from `before` (doubling from a second) until it
 * holds `keep` due times or reaches `after`; a span that holds far more is
 * halved. A year's gap of a daily task takes ~25 short scans; the newest
 * 1 100 due times of a per-second cron, a few thousand steps. The total comes from the scan when
 * it reached `after`, else from the trigger's arithmetic jump (`@Every`),
 * else from a forward count stopped at `MISSED_COUNT_LIMIT`.
 * @param fresh a trigger for the task's spec that nothing else uses (each scan resets it)
 * @param after the latest due time that ran (excluded)
 * @param before the first due time fired as usual (excluded)
 * @param keep how many of the newest to return, at least 1
 */
export function missedDueTimes(
  fresh: () => Trigger,
  after: number,
  before: number,
  keep: number,
): MissedDueTimes {
  if (!(before - after > 1)) return { newest: [], total: 0, exact: true };
  const cap = keep * 4 + 100;
  let fewer = 0; // a span known to hold fewer than `keep`
  let span = FIRST_SPAN_MS;
  for (;;) {
    const start = Math.max(after, before - span);
    const found = scan(
      fresh(),
      start === after ? after : start - 1,
      before,
      cap,
    );
    if (found === null) {
      // Far more than `keep` in this span: look at a shorter one.
      span = fewer + Math.max(1, Math.floor((span - fewer) / 2));
      continue;
    }
    if (start === after)
      return { newest: found.slice(-keep), total: found.length, exact: true };
    if (found.length >= keep) {
      const { total, exact } = countAll(fresh(), after, before);
      return { newest: found.slice(-keep), total, exact };
    }
    fewer = span;
    span *= 2;
  }
}

/** The due times in (from, before), or null when there are more than `cap`. */
function scan(
  trigger: Trigger,
  from: number,
  before: number,
  cap: number,
): number[] | null {
  const dues: number[] = [];
  for (
    let due = firstAfter(trigger, from);
    due !== null && due < before;
    due = trigger.next(due)
  ) {
    if (dues.length === cap) return null;
    dues.push(due);
  }
  return dues;
}

function firstAfter(trigger: Trigger, from: number): number | null {
  let due = trigger.first(from);
  while (due !== null && due <= from) due = trigger.next(due);
  return due;
}

function countAll(
  trigger: Trigger,
  after: number,
  before: number,
): { total: number; exact: boolean } {
  const first = firstAfter(trigger, after);
  if (first === null || first >= before) return { total: 0, exact: true };
  if (trigger.lastAtOrBefore !== undefined)
    return {
      total: trigger.lastAtOrBefore(first, before - 1).passed + 1,
      exact: true,
    };
  let total = 0;
  for (
    let due: number | null = first;
    due !== null && due < before;
    due = trigger.next(due)
  )
    if (++total === MISSED_COUNT_LIMIT) return { total, exact: false };
  return { total, exact: true };
}
