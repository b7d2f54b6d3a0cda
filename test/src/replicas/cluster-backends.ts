import { execSync } from 'node:child_process';
import type Redis from 'ioredis';
import { Pool } from 'pg';
import {
  DATABASE_URL,
  describeWithPostgres,
  postgresSchemaOf,
} from '../postgres/postgres-test-env';
import { RedisServerProcess, redisServerMissing } from './redis-server';
import { describeWithRedis } from './redis-test-env';

/** A backend server a test may stop and start again (an outage). */
export interface BackendOutage {
  /** What the replicas need in their environment to use it. */
  readonly env: Record<string, string>;
  /** Stops the server; clients see the connection drop and refused. */
  stop(): Promise<void>;
  /** Starts it again, with its data. */
  start(): Promise<void>;
  /** Removes what it kept. */
  dispose(): Promise<void>;
}

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
  /** The history of `task` (due time and outcome), ascending by due time. */
  history(
    admin: Redis,
    namespace: string,
    task: string,
  ): Promise<{ due: number; outcome: string }[]>;
  /** Removes what the coordinator kept for one namespace. */
  cleanup(namespace: string): Promise<void>;
  /** Null when a server for `outage` can be had, else why not. */
  outageMissing(): string | null;
  /** A server of this backend that the test may stop and start. */
  outage(): Promise<BackendOutage>;
}

// .ci/postgres.sh exports how to stop and start its private server.
const PG_STOP = process.env.AIOCLOCK_POSTGRES_STOP ?? '';
const PG_START = process.env.AIOCLOCK_POSTGRES_START ?? '';

const redisBackend: ClusterBackend = {
  name: 'Redis',
  describe: describeWithRedis,
  env: () => ({ COORDINATOR: 'redis' }),
  lastReplica: (admin, namespace, task) =>
    admin.hget(`${namespace}:{${task}}:state`, 'lastReplica'),
  async history(admin, namespace, task) {
    const records = await admin.lrange(`${namespace}:{${task}}:history`, 0, -1);
    return records
      .map((record) => JSON.parse(record) as { s: number; o: string })
      .map((record) => ({ due: record.s, outcome: record.o }))
      .sort((x, y) => x.due - y.due);
  },
  // The suite deletes the namespace's keys, the coordinator's included.
  cleanup: () => Promise.resolve(),
  outageMissing: redisServerMissing,
  // The coordinator gets a private redis-server; the ledger stays at REDIS_URL.
  async outage() {
    const server = await RedisServerProcess.start();
    return {
      env: { COORDINATOR_REDIS_URL: server.url },
      stop: () => server.halt(),
      start: () => server.resume(),
      dispose: () => server.dispose(),
    };
  },
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
  history: (_admin, namespace, task) =>
    withPool(async (pool) => {
      const { rows } = await pool.query<{
        scheduled_at: string;
        outcome: string;
      }>(
        `SELECT scheduled_at, outcome FROM ${postgresSchemaOf(namespace)}.history
WHERE task = $1 ORDER BY scheduled_at`,
        [task],
      );
      return rows.map((row) => ({
        due: Number(row.scheduled_at),
        outcome: row.outcome,
      }));
    }),
  cleanup: (namespace) =>
    withPool(async (pool) => {
      await pool.query(
        `DROP SCHEMA IF EXISTS ${postgresSchemaOf(namespace)} CASCADE`,
      );
    }),
  outageMissing: () =>
    PG_STOP && PG_START
      ? null
      : 'AIOCLOCK_POSTGRES_STOP/START are not set (source .ci/postgres.sh)',
  // The server at DATABASE_URL itself: run this suite alone (--runInBand).
  outage() {
    const run = (command: string) => async () => {
      execSync(command, { stdio: 'ignore', shell: '/bin/bash' });
    };
    return Promise.resolve({
      env: {},
      stop: run(PG_STOP),
      start: run(PG_START),
      dispose: () => Promise.resolve(),
    });
  },
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
