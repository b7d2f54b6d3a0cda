// Read once: the getter validates its receiver on every call, which would add
// to every recorded run's cost.
const TIME_ORIGIN = performance.timeOrigin;

/** Wall-clock time in fractional epoch ms (sub-millisecond, unlike `Date.now()`). */
export function hiresNow(): number {
  return TIME_ORIGIN + performance.now();
}

/** Spins for `ms` without yielding: a CPU-bound task body. */
export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/**
 * Every run's (task, declared due time, entry time), in typed arrays
 * allocated up front: recording allocates nothing on the JS heap, so it
 * neither skews the heap figures nor adds GC work to the measured runs.
 */
export class RunRecorder {
  readonly task: Int32Array;
  /** The due time the library says the run is for (epoch ms), or NaN when it says nothing. */
  readonly due: Float64Array;
  /** `hiresNow()` on entry to the method. */
  readonly entry: Float64Array;
  length = 0;
  overflowed = 0;

  constructor(readonly capacity: number) {
    this.task = new Int32Array(capacity);
    this.due = new Float64Array(capacity);
    this.entry = new Float64Array(capacity);
  }

  /** Records one run; call it first thing in the method. */
  record(task: number, due: number, entry: number): void {
    const i = this.length;
    if (i === this.capacity) {
      this.overflowed++;
      return;
    }
    this.task[i] = task;
    this.due[i] = due;
    this.entry[i] = entry;
    this.length = i + 1;
  }
}
