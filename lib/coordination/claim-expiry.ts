// How long a claim (the per-due-time fence) lives, the same on every durable
// backend: long enough to cover clock skew and late timers, short enough
// that claims do not pile up.

/** The longest a leaving replica keeps firing its tasks while the others take them over, in ms. */
export const HANDOFF_MS = 250;
/** A claim never expires sooner than this (covers clock skew and late timers), in ms. */
export const CLAIM_MIN_TTL_MS = 60_000;
/** A claim never lives longer than this, so claims cannot pile up, in ms. */
export const CLAIM_MAX_TTL_MS = 86_400_000;
/**
 * Expiry of a claim whose task period is unknown, in ms. Longer than the
 * minimum because such tasks are usually rare (`@At`, sparse crons), where a
 * short claim would not cover a replica whose clock lags by a few minutes.
 */
export const CLAIM_UNKNOWN_PERIOD_TTL_MS = 3_600_000;

/** A claim's expiry for a task due every `periodMs` (null or not positive: unknown): twice the period, clamped. */
export function claimTtlMs(periodMs: number | null): number {
  const wanted =
    periodMs === null || !Number.isFinite(periodMs) || periodMs <= 0
      ? CLAIM_UNKNOWN_PERIOD_TTL_MS
      : Math.ceil(2 * periodMs);
  return Math.min(CLAIM_MAX_TTL_MS, Math.max(CLAIM_MIN_TTL_MS, wanted));
}
