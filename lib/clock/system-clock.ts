import { Clock, type TimerHandle } from './clock';

/** Longest delay Node's `setTimeout` honours; longer ones are clamped to 1 ms. */
const NODE_MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Longest single wait the clock hands to Node. Longer delays are covered by
 * several waits, re-checking `Date.now()` on each wake-up, so a wall-clock
 * jump is noticed within a minute.
 */
export const SYSTEM_CLOCK_MAX_WAIT_MS = 60_000;

/**
 * A wait longer than twice this ends with a separate wait of this many ms, so
 * the kernel's timer slack (0.1 % of a timeout) stays in the microseconds.
 */
export const SYSTEM_CLOCK_FINAL_WAIT_MS = 10;

/**
 * A Node timeout wakes about a millisecond after its delay (it counts whole
 * ms from the event loop's cached time). So the last millisecond of a wait is
 * polled on `setImmediate` turns instead: a `precise` timer fires within a few
 * µs of its target, at the cost of at most this long of polling (I/O still
 * runs) — only for waits of `SYSTEM_CLOCK_POLLED_WAIT_MS` or more, so that
 * polling stays under 2 % of the time even when due times come every few ms.
 */
export const SYSTEM_CLOCK_POLL_MS = 1;

/** The shortest wait whose last millisecond is polled (see `SYSTEM_CLOCK_POLL_MS`). */
export const SYSTEM_CLOCK_POLLED_WAIT_MS = 50;

/** Polling that has not reached the target after this long (a faked `Date.now()`) waits by a timeout instead. */
const POLL_LIMIT_MS = 3;

/**
 * A timer whose target is still ahead by `Date.now()` fires anyway once this
 * much more than its delay (plus 0.1 % of it, for the slewing that NTP may do
 * meanwhile) has elapsed by the monotonic clock: the wall clock was stepped
 * back, and the scheduler sorts out what is due.
 */
export const SYSTEM_CLOCK_STEP_TOLERANCE_MS = 100;

/** Options of `SystemClock`. */
export interface SystemClockOptions {
  /**
   * `unref()` every Node timer, so an armed timer alone does not keep the
   * process alive. A scheduler app usually wants the opposite. @default false
   */
  unref?: boolean;
}

/**
 * One logical timer, possibly spread over several Node timeouts. The object is
 * the handle `setTimer` returns, so it stays valid across re-arms.
 */
class SystemTimer {
  private timeout: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** `performance.now()` at the first and at the latest poll of the last millisecond; NaN before the first. */
  private pollStart = NaN;
  private lastPoll = NaN;
  private done = false;

  constructor(
    private readonly callback: () => void,
    private readonly dueAt: number,
    /** By `performance.now()`: when the timer fires even if `dueAt` is still ahead. */
    private readonly latestMono: number,
    private readonly unref: boolean,
    /** Poll the last millisecond (a wait of `SYSTEM_CLOCK_POLLED_WAIT_MS` or more, until polling gives up). */
    private polled: boolean,
  ) {}

  /** Waits for the rest of the delay, at most `SYSTEM_CLOCK_MAX_WAIT_MS` at a time. */
  arm(now: number): void {
    const remaining = Math.min(
      this.dueAt - now,
      this.latestMono - performance.now(),
    );
    const polled = this.polled && remaining > 0;
    if (polled && remaining <= SYSTEM_CLOCK_POLL_MS && this.poll()) return;
    // Linux lets a timeout of t ms fire up to t/1000 ms late (timer slack: a 1 s
    // wait wakes ~1 ms late). Wait for all but the last few ms, then for those:
    // wake() re-arms for the rest, the last one polled.
    const delay =
      remaining > SYSTEM_CLOCK_MAX_WAIT_MS
        ? SYSTEM_CLOCK_MAX_WAIT_MS
        : remaining > 2 * SYSTEM_CLOCK_FINAL_WAIT_MS
          ? remaining - SYSTEM_CLOCK_FINAL_WAIT_MS
          : polled && remaining > SYSTEM_CLOCK_POLL_MS
            ? remaining - SYSTEM_CLOCK_POLL_MS
            : remaining > 0
              ? remaining
              : 0;
    // The extra argument avoids a closure per timer.
    this.timeout = setTimeout(
      wakeSystemTimer,
      Math.min(delay, NODE_MAX_DELAY_MS),
      this,
    );
    if (this.unref) this.timeout.unref();
  }

  /**
   * Waits for the next `setImmediate` turn; `false` (wait by timeouts from
   * now on) once polling has gone on for `POLL_LIMIT_MS` (a `Date.now()` that
   * a test froze), or when `performance.now()` does not move between turns
   * (fake timers): polling would only spin there.
   */
  private poll(): boolean {
    const mono = performance.now();
    if (Number.isNaN(this.pollStart)) this.pollStart = mono;
    else if (mono === this.lastPoll || mono - this.pollStart > POLL_LIMIT_MS) {
      this.polled = false;
      return false;
    }
    this.lastPoll = mono;
    this.immediate = setImmediate(wakeSystemTimer, this);
    if (this.unref) this.immediate.unref();
    return true;
  }

  /** Fires when the target instant has come by `Date.now()` (or the delay has elapsed after a step back), else waits again. */
  wake(): void {
    this.timeout = null;
    this.immediate = null;
    if (this.done) return;
    const now = Date.now();
    // Node timers can wake a millisecond early by Date.now(), and a long wait
    // is made of several capped ones: re-check before firing — unless the
    // elapsed time says the wall clock was stepped back.
    if (now < this.dueAt && performance.now() < this.latestMono) {
      this.arm(now);
      return;
    }
    this.done = true;
    this.callback();
  }

  cancel(): void {
    this.done = true;
    if (this.timeout !== null) {
      clearTimeout(this.timeout);
      this.timeout = null;
    }
    if (this.immediate !== null) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
  }
}

function wakeSystemTimer(timer: SystemTimer): void {
  timer.wake();
}

/**
 * The real clock: `Date.now()`, Node timers and `setImmediate`. Any delay
 * works, including delays beyond Node's 2^31-1 ms limit, and a timer never
 * fires before its target instant by `Date.now()` — unless the wall clock
 * was stepped back meanwhile: then it fires once its delay has elapsed
 * (`SYSTEM_CLOCK_STEP_TOLERANCE_MS`).
 */
export class SystemClock extends Clock {
  private readonly unref: boolean;

  /** @param options `unref` (default `false`: armed timers keep the process alive) */
  constructor(options: SystemClockOptions = {}) {
    super();
    this.unref = options.unref === true;
  }

  /** @inheritdoc */
  timestamp(): number {
    return Date.now();
  }

  /** @inheritdoc `performance.now()`. */
  override monotonic(): number {
    return performance.now();
  }

  /** @inheritdoc */
  setTimer(
    callback: () => void,
    delayMs: number,
    precise = false,
  ): TimerHandle {
    const now = Date.now();
    // NaN and negative delays mean "now"; Infinity means never (it re-arms every wait).
    const delay = delayMs > 0 ? delayMs : 0;
    const latestMono =
      performance.now() + delay * 1.001 + SYSTEM_CLOCK_STEP_TOLERANCE_MS;
    const timer = new SystemTimer(
      callback,
      now + delay,
      latestMono,
      this.unref,
      precise && delay >= SYSTEM_CLOCK_POLLED_WAIT_MS,
    );
    timer.arm(now);
    return timer;
  }

  /** @inheritdoc */
  defer(callback: () => void): TimerHandle {
    const immediate = setImmediate(callback);
    if (this.unref) immediate.unref();
    return immediate;
  }

  /** @inheritdoc */
  clearTimer(handle: TimerHandle): void {
    if (handle instanceof SystemTimer) handle.cancel();
    else if (typeof handle === 'object' && handle !== null)
      clearImmediate(handle as NodeJS.Immediate);
  }
}
