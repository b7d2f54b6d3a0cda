import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { invalidPostgresCoordinatorOption } from '../aioclock.messages';
import type { PostgresCoordinatorOptions } from '../coordination/postgres.coordinator';
import {
  POSTGRES_DEFAULT_SCHEMA,
  isPostgresSchemaName,
} from '../coordination/postgres/postgres-schema';
import { AioClockError } from '../errors/aioclock.error';
import {
  checkOptions,
  historyOption,
  type OptionCheck,
  type OptionTable,
} from './option-rules';

// PostgresCoordinatorOptions: defaults and one rule per option, checked in
// table order by the shared `checkOptions`.

/** Default `claimTimeoutMs`, in ms. */
export const POSTGRES_DEFAULT_CLAIM_TIMEOUT_MS = 1_000;
/** Default `leaseTtlMs`: how long a silent replica keeps its tasks, in ms. */
export const POSTGRES_DEFAULT_LEASE_TTL_MS = 10_000;
/** `heartbeatMs` defaults to `leaseTtlMs` divided by this. */
export const POSTGRES_HEARTBEAT_DIVISOR = 5;
/** No polling faster than once a second per replica (issue 14). */
export const POSTGRES_MIN_HEARTBEAT_MS = 1_000;
/** Default `history.keep`: rows kept per task. */
export const POSTGRES_DEFAULT_HISTORY_KEEP = 100;
/** The most `history.keep` may be. */
export const POSTGRES_MAX_HISTORY_KEEP = 100_000;
/** Node's timer limit (2^31 − 1 ms). */
const TIMER_LIMIT_MS = 2_147_483_647;

/** The options of a `PostgresCoordinator` once defaults are applied. */
export interface ResolvedPostgresCoordinatorOptions {
  pool: PostgresCoordinatorOptions['pool'];
  schema: string;
  replicaId: string;
  claimTimeoutMs: number;
  leaseTtlMs: number;
  heartbeatMs: number;
  createSchema: boolean;
  historyKeep: number;
}

const isMs = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);
const claimTimeoutOf = (options: Readonly<Record<string, unknown>>) =>
  (options.claimTimeoutMs as number | undefined) ??
  POSTGRES_DEFAULT_CLAIM_TIMEOUT_MS;
const leaseTtlOf = (options: Readonly<Record<string, unknown>>) =>
  (options.leaseTtlMs as number | undefined) ??
  Math.max(POSTGRES_DEFAULT_LEASE_TTL_MS, 2 * claimTimeoutOf(options));
const nonEmptyString: OptionCheck = (value) =>
  typeof value === 'string' && value !== '' ? undefined : 'a non-empty string';

/** The rules of `PostgresCoordinatorOptions`. */
export const POSTGRES_COORDINATOR_OPTION_TABLE: OptionTable<PostgresCoordinatorOptions> =
  {
    rules: {
      pool: (value) =>
        value !== null &&
        typeof value === 'object' &&
        typeof (value as { query?: unknown }).query === 'function'
          ? undefined
          : 'a pg Pool or anything with its query(text, values) (e.g. PGlite)',
      schema: (value) =>
        isPostgresSchemaName(value)
          ? undefined
          : "a lower-case SQL identifier: letters, digits, _ (at most 45), neither a reserved word such as 'order' nor starting with pg_",
      replicaId: nonEmptyString,
      claimTimeoutMs: (value) =>
        isMs(value) && value > 0 && 2 * value <= TIMER_LIMIT_MS
          ? undefined
          : `a number of ms > 0 and <= ${Math.floor(TIMER_LIMIT_MS / 2)}`,
      // Room for three heartbeats of at least a second (see heartbeatMs).
      leaseTtlMs: (value, options) => {
        const least = Math.max(
          2 * claimTimeoutOf(options),
          3 * POSTGRES_MIN_HEARTBEAT_MS,
        );
        return isMs(value) && value >= least && value <= TIMER_LIMIT_MS
          ? undefined
          : `a number of ms >= 2 × claimTimeoutMs and >= ${3 * POSTGRES_MIN_HEARTBEAT_MS} (${least}) and <= ${TIMER_LIMIT_MS}`;
      },
      // A member expires leaseTtlMs − heartbeatMs after its last heartbeat
      // (memberExpiryMs): at most a third of the lease leaves two heartbeats in it.
      heartbeatMs: (value, options) => {
        const lease = leaseTtlOf(options);
        return isMs(value) &&
          value >= POSTGRES_MIN_HEARTBEAT_MS &&
          value <= lease / 3
          ? undefined
          : `a number of ms >= ${POSTGRES_MIN_HEARTBEAT_MS} and <= leaseTtlMs / 3 (${Math.floor(lease / 3)})`;
      },
      history: historyOption(POSTGRES_MAX_HISTORY_KEEP),
      createSchema: (value) =>
        typeof value === 'boolean' ? undefined : 'true or false',
    },
    required: ['pool'],
    error: (message) => new AioClockError(message),
    // Never prints the pool (it may hold a password).
    invalid: (_owner, option, value, expected) =>
      invalidPostgresCoordinatorOption(option, value, expected),
  };

/**
 * Checks a `PostgresCoordinator`'s options and fills in the defaults.
 * @throws AioClockError naming `PostgresCoordinator`, the option and the bad value
 */
export function resolvePostgresCoordinatorOptions(
  options: PostgresCoordinatorOptions,
): ResolvedPostgresCoordinatorOptions {
  checkOptions(
    'PostgresCoordinator',
    options,
    POSTGRES_COORDINATOR_OPTION_TABLE,
  );
  const given = options as unknown as Record<string, unknown>;
  const claimTimeoutMs = claimTimeoutOf(given);
  const leaseTtlMs = leaseTtlOf(given);
  return {
    pool: options.pool,
    schema: options.schema ?? POSTGRES_DEFAULT_SCHEMA,
    replicaId:
      options.replicaId ??
      `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    claimTimeoutMs,
    leaseTtlMs,
    heartbeatMs:
      options.heartbeatMs ??
      Math.max(
        POSTGRES_MIN_HEARTBEAT_MS,
        leaseTtlMs / POSTGRES_HEARTBEAT_DIVISOR,
      ),
    createSchema: options.createSchema ?? true,
    historyKeep: options.history?.keep ?? POSTGRES_DEFAULT_HISTORY_KEEP,
  };
}
