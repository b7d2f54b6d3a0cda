import type Redis from 'ioredis';
import { Pool } from 'pg';
import {
  DATABASE_URL,
  describeWithPostgres,
  postgresSchemaOf,
} from '../postgres/postgres-test-env';
import { describeWithRedis } from './redis-test-env';

/**
 * A durable coordinator the shared cluster suite runs against. The replicas'
 * runs are recorded in Redis either way (the suite's ledger); only the
 * coordinator changes.
 */
export interface ClusterBackend {
  readonly name: string;
  /** `describe`, skipped or failing (on CI) when the backend is missing. */
  describe(name: string, body: () => void): void;
  /** What a replica process needs in its environment to use this backend. */
  env(): Record<string, string>;
  /** The replica whose claim last ran `task` (from the durable state). */
  lastReplica(
    admin: Redis,
    namespace: string,
    task: string,
  ): Promise<string | null>;
  /** The due times the history holds as `missed` for `task`, ascending. */
  missed(admin: Redis, namespace: string, task: string): Promise<number[]>;
  /** Removes what the coordinator kept for one namespace. */
  cleanup(namespace: string): Promise<void>;
}

const redisBackend: ClusterBackend = {
  name: 'Redis',
  describe: describeWithRedis,
  env: () => ({ COORDINATOR: 'redis' }),
  lastReplica: (admin, namespace, task) =>
    admin.hget(`${namespace}:{${task}}:state`, 'lastReplica'),
  async missed(admin, namespace, task) {
    const records = await admin.lrange(`${namespace}:{${task}}:history`, 0, -1);
    return records
      .map((record) => JSON.parse(record) as { s: number; o: string })
      .filter((record) => record.o === 'missed')
      .map((record) => record.s)
      .sort((x, y) => x - y);
  },
  // The suite deletes the namespace's keys, the coordinator's included.
  cleanup: () => Promise.resolve(),
};

const postgresBackend: ClusterBackend = {
  name: 'PostgreSQL',
  // The ledger lives in Redis: a Postgres run needs both.
  describe: (name, body) =>
    describeWithPostgres(name, () => describeWithRedis('(ledger)', body)),
  env: () => ({ COORDINATOR: 'postgres', DATABASE_URL }),
  async lastReplica(_admin, namespace, task) {
    return withPool(async (pool) => {
      const { rows } = await pool.query<{ last_replica: string }>(
        `SELECT last_replica FROM ${postgresSchemaOf(namespace)}.task_state WHERE task = $1`,
        [task],
      );
      return rows[0]?.last_replica ?? null;
    });
  },
  missed: (_admin, namespace, task) =>
    withPool(async (pool) => {
      const { rows } = await pool.query<{ scheduled_at: string }>(
        `SELECT scheduled_at FROM ${postgresSchemaOf(namespace)}.history
WHERE task = $1 AND outcome = 'missed' ORDER BY scheduled_at`,
        [task],
      );
      return rows.map((row) => Number(row.scheduled_at));
    }),
  cleanup: (namespace) =>
    withPool(async (pool) => {
      await pool.query(
        `DROP SCHEMA IF EXISTS ${postgresSchemaOf(namespace)} CASCADE`,
      );
    }),
};

/** Every backend of the shared cluster suite. */
export const CLUSTER_BACKENDS: readonly ClusterBackend[] = [
  redisBackend,
  postgresBackend,
];

async function withPool<T>(use: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}
