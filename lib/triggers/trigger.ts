/**
 * A trigger at run time: pure arithmetic over epoch milliseconds, no timers.
 * Stateful only where the kind needs it (`or` tracks each member's runs), so
 * create one per task.
 */
export interface Trigger {
  /**
   * The first due time of a schedule that starts at `now` (epoch ms), or
   * `null` for never. Resets any state.
   */
  first(now: number): number | null;

  /**
   * The due time after `previous`, the last due time this trigger returned, or
   * `null` when the schedule is over. Always strictly greater than `previous`.
   * Asking again with the same `previous` gives the same answer, except that a
   * `giveBack` in between may make it earlier.
   */
  next(previous: number): number | null;

  /**
   * Optional shortcut for catching up after a late wake-up: the latest due
   * time at or before `now` that `next` calls from `from` (a due time at or
   * before `now`) would reach, and how many due times they pass on the way
   * (`from` included, the returned one not) — without making those calls.
   * Only for triggers that count nothing (no `receipt`).
   */
  lastAtOrBefore?(from: number, now: number): { due: number; passed: number };

  /**
   * Optional, for triggers that count their own runs (an `or` whose members
   * have a `maxLoopCount`): they count every due time `next` moves past as a
   * run. Called right after `next(due)`, it returns what `giveBack` needs
   * should that due time not run after all, or `undefined` when there is
   * nothing to give back.
   */
  receipt?(due: number): unknown;

  /**
   * Optional, with `receipt`: the due time of `receipt` did not run (skipped
   * or dropped before it started), so it no longer counts. A member that had
   * reached its limit through it resumes after the latest due time asked about
   * (the ones passed meanwhile are not fired); `next` may then answer earlier.
   */
  giveBack?(receipt: unknown): void;

  /**
   * Optional, for triggers that keep pending due times of their own (an
   * `or`): the system clock stepped by `jump` ms (< 0: back) and now reads
   * `now`. Moves them as the scheduler moves a plain trigger's, keeping any
   * counts, and returns the earliest.
   */
  rebase?(jump: number, now: number): number | null;

  /**
   * Optional, for triggers `next` would have to step through one due time at
   * a time (an `or`): the first due time at or after `start`, without
   * stepping and without counting the ones passed (they do not exist).
   */
  skipBefore?(start: number): number | null;
}

/** What `createTrigger` needs besides the spec. */
export interface TriggerContext {
  /** IANA zone for `at` and `cron` triggers without their own `tz`. */
  timeZone: string;
  /**
   * Align `every` runs to multiples of the interval since the epoch (replicas
   * then agree on due times). @default false
   */
  alignToEpoch?: boolean;
}
