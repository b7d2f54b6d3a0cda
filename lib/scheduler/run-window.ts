import type { Trigger } from '../triggers/trigger';

/**
 * `startAt` / `endAt`: wraps a task's trigger so that due times outside the
 * inclusive window `[start, end]` do not exist. The schedule itself is the
 * trigger's (an `@Every` keeps its grid from the scheduler's start); the
 * wrapper only drops what falls outside, so past `end` the trigger answers
 * `null` and the task is finished. Built once per task that has a window.
 */
export class RunWindow implements Trigger {
  readonly receipt?: (due: number) => unknown;
  readonly giveBack?: (receipt: unknown) => void;
  readonly lastAtOrBefore?: (
    from: number,
    now: number,
  ) => { due: number; passed: number };
  readonly rebase?: (jump: number, now: number) => number | null;

  /**
   * @param inner the task's own trigger
   * @param start epoch ms of the first instant allowed (-Infinity: none)
   * @param end epoch ms of the last instant allowed (Infinity: none)
   */
  constructor(
    private readonly inner: Trigger,
    readonly start: number,
    readonly end: number,
  ) {
    // An `or` that counts its members' runs keeps counting through us.
    if (inner.receipt !== undefined) {
      this.receipt = (due) => inner.receipt!(due);
      this.giveBack = (receipt) => inner.giveBack?.(receipt);
    }
    if (inner.rebase !== undefined) {
      const rebase = inner.rebase.bind(inner);
      this.rebase = (jump, now) => this.clip(rebase(jump, now));
    }
    // The late catch-up's arithmetic jump, stopped at `end`.
    if (inner.lastAtOrBefore !== undefined) {
      const jump = inner.lastAtOrBefore.bind(inner);
      this.lastAtOrBefore = (from, now) => jump(from, Math.min(now, end));
    }
  }

  /** Whether a due time lies in the window. */
  contains(due: number): boolean {
    return due >= this.start && due <= this.end;
  }

  first(now: number): number | null {
    return this.clip(this.inner.first(now));
  }

  next(previous: number): number | null {
    return this.clip(this.inner.next(previous));
  }

  /** Skips due times before `start` (jumping arithmetically where the trigger can), ends past `end`. */
  private clip(due: number | null): number | null {
    const inner = this.inner;
    if (
      due !== null &&
      due < this.start &&
      inner.lastAtOrBefore !== undefined
    ) {
      // An @Every started long before startAt: jump close, then step.
      due = inner.lastAtOrBefore(due, this.start).due;
    }
    if (due === null || due >= this.start) return this.clipEnd(due);
    if (inner.skipBefore !== undefined)
      return this.clipEnd(inner.skipBefore(this.start));
    if (inner.lastAtOrBefore === undefined && inner.receipt === undefined)
      // `at` and `cron` answer the first due time strictly after any instant:
      // one call, where stepping took seconds for a `startAt` weeks ahead.
      return this.clipEnd(inner.next(this.start - 1));
    while (due !== null && due < this.start) {
      const skipped = due;
      due = inner.next(skipped);
      // A due time before the window does not exist: it is no run of an
      // `or` member with a `maxLoopCount` either (that would use it up).
      const receipt = inner.receipt?.(skipped);
      if (receipt !== undefined) {
        inner.giveBack?.(receipt);
        due = inner.next(skipped);
      }
    }
    return this.clipEnd(due);
  }

  private clipEnd(due: number | null): number | null {
    return due === null || due > this.end ? null : due;
  }
}
