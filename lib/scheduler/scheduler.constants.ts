/**
 * How long a `@Forever` lease lasts under a coordinator that does not say
 * (`Coordinator.leaseTtlMs`), in ms. It is renewed every third of that, and a
 * replica without it asks again every half.
 */
export const FOREVER_LEASE_TTL_MS = 30_000;

/**
 * Once shutdown's grace period is over, how much longer (at most the grace
 * period itself) it waits in all for aborted runs, aborted `shutdown` tasks
 * and lease releases before giving up on them: `stop(graceMs)` resolves
 * within `graceMs` plus this.
 */
export const ABORT_SETTLE_MS = 1_000;

/**
 * After a late wake-up, how many missed due times of one task are reported as
 * one `skipped` event each; the rest (all counted in `skipped`) are reported
 * together in one more event, so hours of missed 10 ms ticks cost no flood.
 */
export const LATE_SKIP_EVENTS = 100;
