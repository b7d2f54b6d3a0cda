/** How long a `@Forever` lease lasts under a coordinator, in ms. */
export const FOREVER_LEASE_TTL_MS = 30_000;

/** How often a held `@Forever` lease is renewed: well within its TTL. */
export const FOREVER_LEASE_RENEW_MS = FOREVER_LEASE_TTL_MS / 3;

/** How often a replica without the lease asks again, so it takes over within the TTL. */
export const FOREVER_LEASE_RETRY_MS = FOREVER_LEASE_TTL_MS / 2;

/**
 * After shutdown aborts the runs still going, how long it keeps waiting for
 * them to settle (at most the grace period itself) before giving up on them.
 */
export const ABORT_SETTLE_MS = 1_000;
