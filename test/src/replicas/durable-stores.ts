import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import { RedisCoordinator } from '../../../lib/coordination/redis.coordinator';
import type { PGliteDatabase } from '../postgres/pglite';
import { DATABASE_URL } from '../postgres/postgres-test-env';
import { REDIS_URL } from './redis-test-env';

/** One shared durable store: a coordinator on it per replica id, and its clean-up. */
export interface DurableStore {
  member(replicaId: string): PostgresCoordinator | RedisCoordinator;
  close(): Promise<void>;
}

/** Coordinators on one PGlite database, in schema `schema` (left in place). */
export function pgliteStore(db: PGliteDatabase, schema: string): DurableStore {
  return {
    member: (replicaId) =>
      new PostgresCoordinator({
        pool: db,
        schema,
        replicaId,
        leaseTtlMs: 5_000,
      }),
    close: () => Promise.resolve(),
  };
}

/** Coordinators on the real PostgreSQL at DATABASE_URL, a pool each, in a fresh schema dropped on close. */
export function postgresStore(prefix: string): DurableStore {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const pools: Pool[] = [];
  return {
    member: (replicaId) => {
      const pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
      pool.on('error', () => undefined);
      pools.push(pool);
      return new PostgresCoordinator({
        pool,
        schema,
        replicaId,
        leaseTtlMs: 5_000,
      });
    },
    async close() {
      await pools[0]?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await Promise.all(pools.map((pool) => pool.end()));
    },
  };
}

/** Coordinators on the real Redis at REDIS_URL, a client each, under a fresh key prefix deleted on close. */
export function redisStore(prefix: string): DurableStore {
  const keyPrefix = `${prefix}-${randomBytes(4).toString('hex')}`;
  const clients: Redis[] = [];
  return {
    member: (replicaId) => {
      const client = new Redis(REDIS_URL);
      clients.push(client);
      return new RedisCoordinator({
        client,
        keyPrefix,
        replicaId,
        leaseTtlMs: 3_000,
        heartbeatMs: 1_000,
      });
    },
    async close() {
      const admin = clients[0];
      if (admin !== undefined) {
        const keys = await admin.keys(`${keyPrefix}:*`);
        if (keys.length > 0) await admin.del(...keys);
      }
      await Promise.all(clients.map((client) => client.quit()));
    },
  };
}
