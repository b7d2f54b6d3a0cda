import type { ScenarioResult } from './bench.types';
import type { RunRecorder } from './run.recorder';
import { summarize } from './stats';

/**
 * The ideal schedule of every task: run k of task i is due at
 * `origin[i] + k · periodMs`. How a run is matched to its k:
 * `declared` — from the due time the library passed along (nestjs-aioclock's
 * `ctx.scheduledAt`, the `cron` package's target second), which must lie on the
 * grid; `counted` — the j-th run of a task is run k = j (`@Interval`'s
 * setInterval names no due time; nestjs-aioclock's `@Every` body does not read
 * it, as the floor script's does not). A doubled run then comes a period early
 * and is counted as a duplicate; a skipped one leaves the window's last due
 * time missing and makes the later runs a period late.
 */
export interface IdealSchedule {
  mode: 'declared' | 'counted';
  periodMs: number;
  origin: Float64Array;
}

/** Which runs are checked: due times strictly inside a time window, or runs k = 1 … runs. */
export type CheckWindow = { fromMs: number; toMs: number } | { runs: number };

type Analysis = Pick<
  ScenarioResult,
  | 'lateness'
  | 'latenessWarm'
  | 'runs'
  | 'expected'
  | 'missed'
  | 'duplicated'
  | 'offGrid'
  | 'outsideWindow'
  | 'runsPerDue'
  | 'lastRunOffsetMs'
>;

/**
 * Matches every recorded run to its ideal due time and counts runs per
 * (task, due time): every due time inside the window must get exactly one run
 * of each task. Lateness is entry time minus ideal due time.
 */
export function analyzeRuns(
  recorder: RunRecorder,
  n: number,
  ideal: IdealSchedule,
  window: CheckWindow,
): Analysis {
  const period = ideal.periodMs;
  const kLo = new Float64Array(n);
  let span = 0;
  for (let i = 0; i < n; i++) {
    let lo: number;
    let hi: number;
    if ('runs' in window) {
      lo = 1;
      hi = window.runs;
    } else {
      // Strictly inside (from, to).
      lo = Math.floor((window.fromMs - ideal.origin[i]) / period) + 1;
      hi = Math.ceil((window.toMs - ideal.origin[i]) / period) - 1;
    }
    kLo[i] = lo;
    span = Math.max(span, hi - lo + 1);
  }
  const counts = new Uint16Array(n * span);
  const inWindow = (i: number, k: number): boolean => {
    const slot = k - kLo[i];
    if (slot < 0 || slot >= span) return false;
    if ('runs' in window) return true;
    const due = ideal.origin[i] + k * period;
    return due > window.fromMs && due < window.toMs;
  };

  const samples = new Float64Array(recorder.length);
  let sampleCount = 0;
  // Each method's first run is its first call ever (V8 still interprets it):
  // the runs after it show what a warm dispatch costs.
  const warmSamples = new Float64Array(recorder.length);
  let warmCount = 0;
  const ranBefore = new Uint8Array(n);
  let offGrid = 0;
  let outsideWindow = 0;
  let lastRunOffsetMs: number | undefined;
  // Per due slot: the earliest and latest run (their gap is the dispatch time of that instant).
  const firstLate = new Float64Array(span).fill(Infinity);
  const lastLate = new Float64Array(span).fill(-Infinity);
  const seen = ideal.mode === 'counted' ? new Int32Array(n) : undefined;
  // Counted: a run more than half a period before the due time it is
  // counted for is one too many (a doubled run shifts every later one a
  // period early); it is counted as a duplicate and the count goes back.
  let early = 0;
  for (let r = 0; r < recorder.length; r++) {
    const i = recorder.task[r];
    const firstCall = ranBefore[i] === 0;
    ranBefore[i] = 1;
    let k: number;
    if (seen) {
      k = ++seen[i];
      if (
        recorder.entry[r] - (ideal.origin[i] + k * period) < -period / 2 &&
        inWindow(i, k)
      ) {
        early++;
        seen[i]--;
        continue;
      }
    } else {
      const q = (recorder.due[r] - ideal.origin[i]) / period;
      k = Math.round(q);
      if (!Number.isFinite(q) || Math.abs(q - k) > 1e-6) {
        offGrid++;
        continue;
      }
    }
    if (!inWindow(i, k)) {
      outsideWindow++;
      continue;
    }
    counts[i * span + (k - kLo[i])]++;
    const offset = recorder.entry[r] - (ideal.origin[i] + k * period);
    const slot = k - kLo[i];
    if (offset < firstLate[slot]) firstLate[slot] = offset;
    if (offset > lastLate[slot]) lastLate[slot] = offset;
    samples[sampleCount++] = offset;
    if (!firstCall) warmSamples[warmCount++] = offset;
    if ('runs' in window && k === window.runs && i === 0)
      lastRunOffsetMs = offset;
  }

  let runs = 0;
  let expected = 0;
  let missed = 0;
  let duplicated = 0;
  const perDue = Array.from({ length: span }, () => ({ runs: 0, expected: 0 }));
  for (let i = 0; i < n; i++) {
    for (let slot = 0; slot < span; slot++) {
      if (!inWindow(i, kLo[i] + slot)) continue;
      const c = counts[i * span + slot];
      expected++;
      runs += c;
      perDue[slot].expected++;
      perDue[slot].runs += c;
      if (c === 0) missed++;
      else duplicated += c - 1;
    }
  }
  duplicated += early;
  const from = 'runs' in window ? ideal.origin[0] : window.fromMs;
  const runsPerDue = perDue.map((d, slot) => ({
    dueMs: Math.round(ideal.origin[0] + (kLo[0] + slot) * period - from),
    ...d,
    firstLateMs: Number.isFinite(firstLate[slot])
      ? Math.round(firstLate[slot] * 100) / 100
      : null,
    lastLateMs: Number.isFinite(lastLate[slot])
      ? Math.round(lastLate[slot] * 100) / 100
      : null,
  }));
  return {
    lateness: summarize(samples.subarray(0, sampleCount)),
    latenessWarm: summarize(warmSamples.subarray(0, warmCount)),
    runs,
    expected,
    missed,
    duplicated,
    offGrid,
    outsideWindow,
    runsPerDue: 'runs' in window ? [] : runsPerDue,
    lastRunOffsetMs,
  };
}
