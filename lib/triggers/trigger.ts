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
   */
  next(previous: number): number | null;
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
