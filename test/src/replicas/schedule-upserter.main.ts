// A process that upserts one durable schedule many times at once, forked by
// test/e2e/replicas/schedule-upserts.spec.ts: through the Redis at REDIS_URL,
// or with COORDINATOR=postgres the PostgreSQL at DATABASE_URL. It says
// 'ready' once connected, fires every upsert together on 'go', and answers
// with each reply's revision, whether it changed, and the content it wrote.
import Redis from 'ioredis';
import { Pool } from 'pg';
import { PostgresCoordinator, RedisCoordinator } from '../../../lib';

/** One upsert's outcome. */
export interface UpsertOutcome {
  /** Which content this process wrote (its payload's `version`). */
  wrote: number;
  changed: boolean;
  revision: number;
  /** The version of the content the reply holds. */
  holds: number;
}

/** What the process sends its parent. */
export type UpserterMessage =
  | { type: 'ready' }
  | { type: 'done'; outcomes: UpsertOutcome[] }
  | { type: 'error'; error: string };

async function main(): Promise<void> {
  const count = Number(process.env.UPSERTS ?? 50);
  const versions = Number(process.env.VERSIONS ?? 5);
  const namespace = process.env.NAMESPACE ?? 'upserts';
  const postgres = process.env.COORDINATOR === 'postgres';
  const redis = postgres ? null : new Redis(process.env.REDIS_URL!);
  const pool = postgres
    ? new Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
    : null;
  // Room for a loaded machine: the bound is not what this test measures.
  const timeouts = { claimTimeoutMs: 10_000, leaseTtlMs: 20_000 };
  const store = postgres
    ? new PostgresCoordinator({ pool: pool!, schema: namespace, ...timeouts })
        .schedules
    : new RedisCoordinator({
        client: redis!,
        keyPrefix: namespace,
        ...timeouts,
      }).schedules;
  await store.get('warm-up');
  process.send!({ type: 'ready' } satisfies UpserterMessage);
  await new Promise<void>((resolve) =>
    process.once('message', () => resolve()),
  );
  // Every upsert at once: the versions interleave with the other process's.
  const outcomes = await Promise.all(
    Array.from({ length: count }, async (_, i): Promise<UpsertOutcome> => {
      const wrote = i % versions;
      const { schedule, changed } = await store.upsert({
        id: 'shared',
        handler: 'Reports.send',
        trigger: { type: 'at', hour: 9, tz: 'Europe/Berlin' },
        payload: { version: wrote },
        options: {},
        startAt: null,
        endAt: null,
        enabled: true,
      });
      const holds = (schedule.payload as { version: number }).version;
      return { wrote, changed, revision: schedule.revision, holds };
    }),
  );
  process.send!({ type: 'done', outcomes } satisfies UpserterMessage);
  redis?.disconnect();
  await pool?.end();
}

main().catch((error: unknown) => {
  process.send?.({
    type: 'error',
    error: String((error as Error)?.stack ?? error),
  } satisfies UpserterMessage);
  process.exitCode = 1;
});
