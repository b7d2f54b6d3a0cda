import type { ProbeAround } from './memory-probe';

/** The two libraries the benchmark compares. */
export type LibraryName = 'nestjs-aioclock' | '@nestjs/schedule';

/**
 * `cron`: `@Cron('* * * * * *')` in both libraries.
 * `interval`: `@Every({ seconds })` (nestjs-aioclock) against `@Interval(ms)` (@nestjs/schedule).
 */
export type TaskKind = 'cron' | 'interval';

/** One child-process run: one library, one kind, N tasks. */
export interface ScenarioSpec {
  /** Row label, e.g. `cron`, `interval`, `drift`. */
  scenario: string;
  library: LibraryName;
  kind: TaskKind;
  /** Number of decorated methods. */
  n: number;
  /** Period of every task in ms (1000 for `* * * * * *`). */
  periodMs: number;
  /** Due times strictly inside (start, start + windowMs) are checked; ignored when `runs` is set. */
  windowMs: number;
  /** When set (drift), the window is runs k = 1 … runs of each task instead of a time window. */
  runs?: number;
  /**
   * How long to keep the app running after the window so late runs of due
   * times inside it still count (with `runs`: the most to wait for the last run).
   */
  settleMs: number;
  /** Busy-wait this many ms inside each run (the drift scenario's 30 ms body). */
  bodyBusyMs: number;
  /** Decorated methods per generated provider class. */
  methodsPerClass: number;
}

/** Latency summary in ms. */
export interface LatenessSummary {
  samples: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** What one child process measured. */
export interface ScenarioResult {
  spec: ScenarioSpec;
  /** ms applying the N decorators (class definition time, outside boot). */
  decorateMs: number;
  /** ms from `NestFactory.createApplicationContext` called to resolved (it awaits `init()`). */
  bootMs: number;
  /** `heapUsed` after init and two full GCs, bytes. */
  heapAfterInit: number;
  /** `heapUsed` before the app was created (tasks already generated), after two full GCs, bytes. */
  heapBeforeApp: number;
  /** (heapAfterInit − heapBeforeApp) / N, bytes. */
  heapPerTask: number;
  /** `rss` after init, bytes. */
  rssAfterInit: number;
  /** ms for `app.close()`. */
  closeMs: number;
  lateness: LatenessSummary;
  /**
   * The same without each method's first run (its first call ever, which V8
   * interprets: user code, not the scheduler): what a warm dispatch costs.
   */
  latenessWarm: LatenessSummary;
  /**
   * `MemoryProbe`'s walk timed in the parent just before the child started
   * and just after it exited (set by run.ts): how fast this machine's caches
   * answered around the measurement.
   */
  memoryProbeMs?: ProbeAround;
  /** Runs counted for due times inside the window. */
  runs: number;
  /** N × due times inside the window. */
  expected: number;
  /** (task, due time) pairs inside the window with no run. */
  missed: number;
  /** Extra runs for a (task, due time) pair that already had one. */
  duplicated: number;
  /** Runs whose due time is not on the task's ideal grid (a correctness failure). */
  offGrid: number;
  /** Tasks whose schedule start lay outside the bootstrap (a correctness failure). */
  badAnchors: number;
  /** Runs before or after the window (not checked). */
  outsideWindow: number;
  /**
   * For every due index k in the window: its due time relative to window start
   * (task 0), how many runs it got, and the lateness of its first and last run
   * (their gap is how long dispatching that instant took).
   */
  runsPerDue: {
    dueMs: number;
    runs: number;
    expected: number;
    firstLateMs: number | null;
    lastLateMs: number | null;
  }[];
  /** Drift scenario: offset of the last checked run (the 600th) from its ideal time, ms. */
  lastRunOffsetMs?: number;
  /** Median of Date.now() − (performance.timeOrigin + performance.now()) at the end; should lie in (−1, 0]. */
  wallMinusHiresMs: number;
  /** Notes on anything unusual (recorder overflow, fallbacks). */
  notes: string[];
}

/** The claim-cost scenario's result (bench/claim.bench.ts, needs Redis). */
export interface ClaimResult {
  skipped?: string;
  claims?: number;
  /** A won claim (the key is new). */
  medianMs?: number;
  p99Ms?: number;
  /** A lost claim (another replica holds the key), when claim.bench reports it. */
  lostMedianMs?: number;
  lostP99Ms?: number;
  raw?: unknown;
}
