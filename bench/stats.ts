import type { LatenessSummary } from './bench.types';

/** Nearest-rank percentile of an ascending array (p in 0–100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median (nearest rank) of the values, which are left as they are. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** min / p50 / p99 / max / mean of the samples (sorted in place). */
export function summarize(samples: Float64Array): LatenessSummary {
  samples.sort();
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i];
  return {
    samples: samples.length,
    min: samples.length ? samples[0] : NaN,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length ? samples[samples.length - 1] : NaN,
    mean: samples.length ? sum / samples.length : NaN,
  };
}
