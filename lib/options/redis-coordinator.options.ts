import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  beyondTimerLimit,
  claimBeyondHalfTimerLimit,
  invalidCoordinatorOption,
} from '../aioclock.messages';
import type { RedisCoordinatorOptions } from '../coordination/redis.coordinator';
import { AioClockError } from '../errors/aioclock.error';
import {
  checkOptions,
  durationMs,
  historyOption,
  TIMER_LIMIT_MS,
  type OptionCheck,
  type OptionTable,
} from './option-rules';

// RedisCoordinatorOptions: its defaults and its rules. Both Redis bounds arm
// timers or expiries, so both stay within Node's timer limit.

/** Default `keyPrefix` of `RedisCoordinator`. */
export const REDIS_DEFAULT_KEY_PREFIX = 'aioclock';
/** Default `claimTimeoutMs` of `RedisCoordinator`, in ms. */
export const REDIS_DEFAULT_CLAIM_TIMEOUT_MS = 1_000;
/**
 * Default `leaseTtlMs` of `RedisCoordinator`: how long a silent replica keeps
 * its tasks, and a `@Forever` lease lasts, in ms (at least 2 × `claimTimeoutMs`).
 */
export const REDIS_DEFAULT_LEASE_TTL_MS = 10_000;
/** `heartbeatMs` defaults to `leaseTtlMs` divided by this. */
export const REDIS_HEARTBEAT_DIVISOR = 5;
/** Default `history.keep`: records per task kept in Redis. */
export const REDIS_DEFAULT_HISTORY_KEEP = 100;
/** The most `history.keep` may be. */
export const REDIS_MAX_HISTORY_KEEP = 100_000;

/** The options of a `RedisCoordinator` once defaults are applied. */
export type ResolvedRedisCoordinatorOptions = Required<RedisCoordinatorOptions>;

const claimTimeoutOf = (options: Readonly<Record<string, unknown>>): number =>
  (options.claimTimeoutMs as number | undefined) ??
  REDIS_DEFAULT_CLAIM_TIMEOUT_MS;

// At least twice the claim bound, so one slow renewal cannot lose a lease.
const leaseTtl: OptionCheck = (value, options) => {
  const least = 2 * claimTimeoutOf(options);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < least)
    return `a number of ms >= 2 × claimTimeoutMs (${least})`;
  return value > TIMER_LIMIT_MS ? beyondTimerLimit(TIMER_LIMIT_MS) : undefined;
};

// Within half the timer limit, so the default lease (twice it) stays within it too.
const positiveClaimMs = durationMs('a number of ms > 0', false);
const claimTimeout: OptionCheck = (value, options) =>
  positiveClaimMs(value, options) ??
  (2 * (value as number) > TIMER_LIMIT_MS
    ? claimBeyondHalfTimerLimit(TIMER_LIMIT_MS)
    : undefined);

const leaseTtlOf = (options: Readonly<Record<string, unknown>>): number =>
  (options.leaseTtlMs as number | undefined) ??
  Math.max(REDIS_DEFAULT_LEASE_TTL_MS, 2 * claimTimeoutOf(options));

// A member expires leaseTtlMs − heartbeatMs after its last heartbeat
// (memberExpiryMs): at most a third of the lease leaves two heartbeats in
// that, so one lost heartbeat does not expire a member.
const heartbeat: OptionCheck = (value, options) => {
  const lease = leaseTtlOf(options);
  return typeof value === 'number' &&
    Number.isFinite(value) &&
    value > 0 &&
    value <= lease / 3
    ? undefined
    : `a number of ms > 0 and <= leaseTtlMs / 3 (${Math.floor(lease / 3)})`;
};

const history = historyOption(REDIS_MAX_HISTORY_KEEP);

const nonEmptyString: OptionCheck = (value) =>
  typeof value === 'string' && value !== '' ? undefined : 'a non-empty string';

/** The rules of `RedisCoordinatorOptions`. */
export const REDIS_COORDINATOR_OPTION_TABLE: OptionTable<RedisCoordinatorOptions> =
  {
    rules: {
      client: (value) => {
        const client = value as Record<string, unknown> | null | undefined;
        return client &&
          typeof client.set === 'function' &&
          typeof client.eval === 'function'
          ? undefined
          : 'an ioredis Redis or Cluster instance';
      },
      keyPrefix: nonEmptyString,
      claimTimeoutMs: claimTimeout,
      leaseTtlMs: leaseTtl,
      heartbeatMs: heartbeat,
      history,
      replicaId: nonEmptyString,
    },
    required: ['client'],
    error: (message) => new AioClockError(message),
    // Never prints the client object (it may hold a password).
    invalid: (_owner, option, value, expected) =>
      invalidCoordinatorOption(option, value, expected),
  };

/**
 * Checks a `RedisCoordinator`'s options and fills in the defaults.
 * @throws AioClockError naming `RedisCoordinator`, the option and the bad value
 */
export function resolveRedisCoordinatorOptions(
  options: RedisCoordinatorOptions,
): ResolvedRedisCoordinatorOptions {
  checkOptions('RedisCoordinator', options, REDIS_COORDINATOR_OPTION_TABLE);
  const claimTimeoutMs =
    options.claimTimeoutMs ?? REDIS_DEFAULT_CLAIM_TIMEOUT_MS;
  const leaseTtlMs =
    options.leaseTtlMs ??
    Math.max(REDIS_DEFAULT_LEASE_TTL_MS, 2 * claimTimeoutMs);
  return {
    client: options.client,
    keyPrefix: options.keyPrefix ?? REDIS_DEFAULT_KEY_PREFIX,
    claimTimeoutMs,
    leaseTtlMs,
    heartbeatMs: options.heartbeatMs ?? leaseTtlMs / REDIS_HEARTBEAT_DIVISOR,
    history: {
      keep: options.history?.keep ?? REDIS_DEFAULT_HISTORY_KEEP,
    },
    replicaId:
      options.replicaId ??
      `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  };
}
