import { invalidClockTarget } from '../aioclock.messages';
import { Clock, type TimerHandle } from './clock';

// Captured at load, so a test that fakes the global timers later cannot stall `advance`.
const realSetImmediate = setImmediate;
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;

/**
 * Real ms without any `advance` after which the clock counts as idle for
 * `onIdle`: long enough for a test's own synchronous steps and pending
 * promise chains, short enough that `app.close()` returns at once.
 */
export const VIRTUAL_CLOCK_IDLE_MS = 20;

/** Event-loop turns every flush gives pending promise chains, even when nothing was deferred. */
const MIN_FLUSH_TURNS = 3;
/**
 * Upper bound on turns per flush. Each turn runs the deferred callbacks queued
 * before it, so a callback that keeps deferring itself (a `@Forever` task)
 * runs at most this many times per flush and cannot hang `advance`.
 */
const MAX_FLUSH_TURNS = 32;

/** A pending timer or deferred call; the object is its handle. */
class VirtualTimer {
  done = false;
  constructor(
    readonly callback: () => void,
    readonly due: number,
    readonly seq: number,
    readonly deferred: boolean,
  ) {}
}

/** An `onIdle` watch: a real timer re-armed while advances keep coming. */
class IdleWatch {
  timeout: ReturnType<typeof setTimeout> | null = null;
  constructor(readonly callback: () => void) {}
}

const before = (a: VirtualTimer, b: VirtualTimer): boolean =>
  a.due < b.due || (a.due === b.due && a.seq < b.seq);

/**
 * A clock for tests: time stands still until `advance` or `advanceTo` moves
 * it. Timers due at or before the target fire in due-time order (first armed,
 * first fired for equal due times), each seeing `now()` equal to its due time.
 * After each timer, pending promise chains get a few event-loop turns to
 * settle and deferred calls run; `advance` never waits for a run blocked on
 * something else, so a run that never settles cannot hang it.
 *
 * Deferred calls (`defer`) run only while `advance` flushes; `advance(0)`
 * flushes without moving time.
 *
 * ```ts
 * const clock = new VirtualClock(new Date('2024-03-31T11:00:00Z'));
 * await clock.advance(60_000);
 * ```
 */
export class VirtualClock extends Clock {
  /** Monotonic time: timers are due in it. */
  private current: number;
  /** What `stepWall` added: wall time is `current + wallOffset`. */
  private wallOffset = 0;
  private seq = 0;
  /** Binary min-heap on (due, seq). */
  private readonly heap: VirtualTimer[] = [];
  private deferred: VirtualTimer[] = [];
  private liveTimers = 0;
  private liveDeferred = 0;
  /** Serialises concurrent `advance` calls. */
  private tail: Promise<void> = Promise.resolve();
  /** `advance` calls made so far, and those not finished yet (for `onIdle`). */
  private advancesMade = 0;
  private advancesPending = 0;

  /** @param start the initial time @default new Date(0) */
  constructor(start: Date = new Date(0)) {
    super();
    const ms = start.getTime();
    if (!Number.isFinite(ms))
      throw new RangeError(invalidClockTarget(start, null));
    this.current = ms;
  }

  /** @inheritdoc */
  timestamp(): number {
    return this.current + this.wallOffset;
  }

  /** @inheritdoc Moves with `advance`, not with `stepWall`. */
  override monotonic(): number {
    return this.current;
  }

  /**
   * Steps the wall clock by `ms` (back when negative), as an NTP correction
   * or a VM restore does, without moving elapsed time: `now()` jumps, armed
   * timers stay due after the same elapsed time (as Node's do), and nothing
   * fires until the next `advance`.
   * @param ms how far to step the wall time
   */
  stepWall(ms: number): void {
    if (!Number.isFinite(ms))
      throw new RangeError(invalidClockTarget(new Date(NaN), null));
    this.wallOffset += ms;
  }

  /** @inheritdoc A delay of 0 (or less, or NaN) fires at the current instant, on the next `advance`. */
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const delay = delayMs > 0 ? delayMs : 0;
    const timer = new VirtualTimer(
      callback,
      this.current + delay,
      this.seq++,
      false,
    );
    this.push(timer);
    this.liveTimers++;
    return timer;
  }

  /** @inheritdoc Runs during the next flush of `advance` (not on its own). */
  defer(callback: () => void): TimerHandle {
    const timer = new VirtualTimer(callback, this.current, this.seq++, true);
    this.deferred.push(timer);
    this.liveDeferred++;
    return timer;
  }

  /** @inheritdoc */
  clearTimer(handle: TimerHandle): void {
    if (handle instanceof IdleWatch) {
      if (handle.timeout !== null) realClearTimeout(handle.timeout);
      handle.timeout = null;
      return;
    }
    if (!(handle instanceof VirtualTimer) || handle.done) return;
    handle.done = true;
    // Cancelled entries stay in their queue and are dropped when reached.
    if (handle.deferred) this.liveDeferred--;
    else this.liveTimers--;
  }

  /**
   * Calls `callback` once no `advance` has been running or called for
   * `VIRTUAL_CLOCK_IDLE_MS` real ms: nobody drives this clock, so a wait on
   * it (the shutdown grace in `app.close()`) would never end. A real timer,
   * unref'd; not counted in `pendingTimers`.
   */
  override onIdle(callback: () => void): TimerHandle {
    const watch = new IdleWatch(callback);
    const check = (seen: number): void => {
      watch.timeout = realSetTimeout(() => {
        if (this.advancesPending === 0 && this.advancesMade === seen) {
          watch.timeout = null;
          callback();
        } else {
          check(this.advancesMade);
        }
      }, VIRTUAL_CLOCK_IDLE_MS);
      watch.timeout.unref();
    };
    check(this.advancesMade);
    return watch;
  }

  /**
   * How many timers and deferred calls are armed and not yet fired or
   * cleared; `0` after a clean shutdown.
   */
  pendingTimers(): number {
    return this.liveTimers + this.liveDeferred;
  }

  /** When the earliest armed timer is due, or `null` when none is armed. */
  nextTimerAt(): Date | null {
    const top = this.peek();
    return top ? new Date(top.due + this.wallOffset) : null;
  }

  /**
   * Moves time forward by `ms` (from where earlier pending advances end),
   * firing every timer due on the way; see `advanceTo`.
   * @param ms how far, >= 0
   */
  advance(ms: number): Promise<void> {
    // The target is taken when this advance's turn comes, after earlier ones.
    return this.enqueue(() => new Date(this.timestamp() + ms));
  }

  /**
   * Moves time forward to `date`, firing every timer due at or before it, in
   * due-time order; afterwards `now()` equals `date`. Calls made while an
   * advance is running wait for it. Rejects if `date` is before now, or with
   * the first error a timer callback threw (after reaching `date`).
   * @param date the target instant, not before `now()`
   */
  advanceTo(date: Date): Promise<void> {
    return this.enqueue(() => date);
  }

  private enqueue(target: () => Date): Promise<void> {
    this.advancesMade++;
    this.advancesPending++;
    const run = this.tail.then(() => this.advanceNow(target()));
    this.tail = run.then(
      () => void this.advancesPending--,
      () => void this.advancesPending--,
    );
    return run;
  }

  private async advanceNow(date: Date): Promise<void> {
    // Targets are wall times; timers are due in monotonic time.
    const target = date.getTime() - this.wallOffset;
    if (!Number.isFinite(target) || target < this.current) {
      throw new RangeError(
        invalidClockTarget(date, new Date(this.timestamp())),
      );
    }
    const errors: unknown[] = [];
    await this.flush(errors);
    for (;;) {
      const top = this.peek();
      if (top !== null && top.due <= target) {
        this.pop();
        top.done = true;
        this.liveTimers--;
        this.current = top.due;
        try {
          top.callback();
        } catch (error) {
          errors.push(error);
        }
        await this.flush(errors);
      } else if (this.current < target) {
        this.current = target;
        // Timers armed with no delay during this flush are due at the target: loop.
        await this.flush(errors);
      } else {
        break;
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /** Lets promise chains settle and runs deferred calls, a bounded number of turns. */
  private async flush(errors: unknown[]): Promise<void> {
    for (let turn = 0; turn < MAX_FLUSH_TURNS; turn++) {
      await new Promise<void>((resolve) => realSetImmediate(resolve));
      const batch = this.deferred;
      if (batch.length === 0) {
        if (turn + 1 >= MIN_FLUSH_TURNS) return;
        continue;
      }
      // Calls deferred by this batch wait for the next turn.
      this.deferred = [];
      for (const timer of batch) {
        if (timer.done) continue;
        timer.done = true;
        this.liveDeferred--;
        try {
          timer.callback();
        } catch (error) {
          errors.push(error);
        }
      }
    }
  }

  private peek(): VirtualTimer | null {
    const heap = this.heap;
    while (heap.length > 0 && heap[0].done) this.pop();
    return heap.length > 0 ? heap[0] : null;
  }

  private push(timer: VirtualTimer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
  }
}
