import { NOT_QUEUED } from './timer-queue';

/** Numbers per task: queued due time, cursor, latest start. */
const PER_TASK = 3;

/**
 * The three times every run of a task updates (the due time it is queued
 * for, the latest due time fired, when its latest run started), for all of
 * one scheduler's tasks, side by side in one `Float64Array`. As fields of
 * `TaskState` each was a heap number of its own (V8 keeps a double field in
 * a box), one more line of memory read or written at every run; here the
 * tasks of a due time, which come in the order they were added, go through
 * them in sequence.
 */
export class TaskTimes {
  /** Slot k's queued due time, cursor and latest start at 3k, 3k + 1, 3k + 2. */
  data: Float64Array;
  private used = 0;
  private readonly free: number[] = [];

  /** @param slots room for this many tasks at first (it grows) */
  constructor(slots = 256) {
    this.data = new Float64Array(Math.max(1, slots) * PER_TASK);
  }

  /** A slot for a new task: not queued, no due time fired, never started. */
  allocate(): number {
    const slot = this.free.pop() ?? this.used++;
    const at = slot * PER_TASK;
    if (at + PER_TASK > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[at] = NOT_QUEUED;
    this.data[at + 1] = NaN;
    this.data[at + 2] = NaN;
    return slot;
  }

  /** The slot's task is gone: a later task may have it. */
  release(slot: number): void {
    this.free.push(slot);
  }

  /** A table of its own for one task, holding slot 0's copy of `slot` here. */
  copyOut(slot: number): TaskTimes {
    const own = new TaskTimes(1);
    own.allocate();
    own.data.set(this.data.subarray(slot * PER_TASK, (slot + 1) * PER_TASK));
    return own;
  }
}
