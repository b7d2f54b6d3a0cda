/** An opaque handle returned by `Clock.setTimer` / `Clock.defer`. */
export type TimerHandle = object | number;

/**
 * The one source of time for the whole engine: every reading of the time and
 * every timer goes through it, so tests can swap in `VirtualClock`.
 * It is an abstract class (not an interface) so Nest can use it as a token:
 * `overrideProvider(Clock).useValue(new VirtualClock(...))`.
 */
export abstract class Clock {
  /** The current time. */
  now(): Date {
    return new Date(this.timestamp());
  }

  /** The current time in epoch milliseconds (the engine's hot path reads this). */
  abstract timestamp(): number;

  /**
   * Elapsed time in ms from an arbitrary origin, unaffected by steps of the
   * wall clock (NTP corrections, VM restores): the scheduler compares it
   * with `timestamp()` to notice such steps. The default follows
   * `timestamp()`, so a clock without its own notices none.
   */
  monotonic(): number {
    return this.timestamp();
  }

  /**
   * Calls `callback` once, `delayMs` from now. Any delay works, including ones
   * beyond Node's 2^31-1 ms timer limit.
   * @param precise fire as close to the target as the clock can, at some
   *   cost (`SystemClock` polls the last millisecond): the scheduler's
   *   due-time timer asks for it, timeouts and retries do not
   */
  abstract setTimer(
    callback: () => void,
    delayMs: number,
    precise?: boolean,
  ): TimerHandle;

  /** Calls `callback` once after pending I/O, like `setImmediate`. */
  abstract defer(callback: () => void): TimerHandle;

  /** Cancels a timer or deferred call; unknown or spent handles are ignored. */
  abstract clearTimer(handle: TimerHandle): void;

  /**
   * For waits that must end even when nothing moves this clock's time (the
   * shutdown grace): calls `callback` once nobody moves the time any more,
   * and returns a handle for `clearTimer`. A clock whose time moves by
   * itself returns `null` and never calls it; `VirtualClock` calls it once
   * no `advance` has run for a short real while.
   */
  onIdle(callback: () => void): TimerHandle | null {
    void callback;
    return null;
  }
}
