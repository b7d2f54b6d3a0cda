/*
 * Durable schedules at scale (issue 15): SCHEDULES (default 100 000)
 * schedules upserted into one Redis and/or one PostgreSQL, 100 in flight at a
 * time; then the same upserts again (unchanged: no write); then the time a
 * joining replica (a new connection) takes to `loadAll` of them; the
 * backend's storage per schedule; and the heap the loaded schedules take in
 * the process. Standalone:
 *   REDIS_URL=redis://… DATABASE_URL=postgres://… npm run bench:schedules
 * (a backend whose URL is unset is skipped). Prints a table and one JSON line
 * per backend; deletes what it wrote.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { PostgresCoordinator } from '../lib/coordination/postgres.coordinator';
import { RedisCoordinator } from '../lib/coordination/redis.coordinator';
import { bootJoiningReplica } from './schedules.replica-boot';
import type {
  ScheduleInput,
  ScheduleStore,
} from '../lib/coordination/schedule-store.interface';

/** What the schedules bench measured for one backend. */
export interface SchedulesBenchResult {
  backend: 'redis' | 'postgres';
  schedules: number;
  concurrency: number;
  /** New schedules written per second. */
  upsertsPerSecond: number;
  /** Equal upserts (nothing written) per second, over the first tenth. */
  unchangedUpsertsPerSecond: number;
  /** A joining replica's `loadAll` of every schedule, in ms. */
  loadAllMs: number;
  /** The backend's bytes per schedule (Redis MEMORY USAGE of the hash and sorted sets / PostgreSQL table + indexes). */
  backendBytesPerSchedule: number;
  /** The change log's bytes (bounded: its last 10 000 changes), not counted above. */
  changeLogBytes: number;
  /** Heap bytes per loaded `StoredSchedule` in this process (after GC). */
  heapBytesPerSchedule: number | null;
  /** The serialised size of one schedule's content, for scale. */
  contentBytes: number;
  /** Redis: a joining replica's boot (Nest app, schedules loaded and scheduled), ms. */
  replicaBootMs?: number;
}

const HANDLER = 'Reports.send';
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Asia/Tokyo',
  'Australia/Sydney',
  'America/Sao_Paulo',
];

/** The i-th customer's report: 09:00 in their zone, a small payload. */
function schedule(i: number): ScheduleInput {
  const id = `customer-${String(i).padStart(7, '0')}:daily-report`;
  return {
    id,
    handler: HANDLER,
    trigger: { type: 'at', hour: 9, minute: 0, tz: ZONES[i % ZONES.length] },
    payload: { customerId: i, email: `customer${i}@example.com` },
    options: { timeout: 30_000 },
    startAt: null,
    endAt: null,
    enabled: true,
  };
}

async function upsertAll(
  store: ScheduleStore,
  count: number,
  concurrency: number,
): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < count; from += concurrency) {
    const batch: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(count, from + concurrency); i++)
      batch.push(store.upsert(schedule(i)));
    await Promise.all(batch);
  }
  return performance.now() - started;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function measure(
  backend: SchedulesBenchResult['backend'],
  store: ScheduleStore,
  joiner: ScheduleStore,
  count: number,
  concurrency: number,
  backendBytes: () => Promise<number>,
  changeLogBytes: () => Promise<number>,
): Promise<SchedulesBenchResult> {
  const upsertMs = await upsertAll(store, count, concurrency);
  const tenth = Math.max(1, Math.floor(count / 10));
  const unchangedMs = await upsertAll(store, tenth, concurrency);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const loaded = await joiner.loadAll([HANDLER]);
  const loadAllMs = performance.now() - started;
  if (loaded.length !== count)
    throw new Error(`loadAll returned ${loaded.length} of ${count}`);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const haveGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  const result: SchedulesBenchResult = {
    backend,
    schedules: count,
    concurrency,
    upsertsPerSecond: Math.round((count / upsertMs) * 1_000),
    unchangedUpsertsPerSecond: Math.round((tenth / unchangedMs) * 1_000),
    loadAllMs: Math.round(loadAllMs),
    backendBytesPerSchedule: Math.round((await backendBytes()) / count),
    changeLogBytes: await changeLogBytes(),
    heapBytesPerSchedule: haveGc
      ? Math.round((heapAfter - heapBefore) / count)
      : null,
    contentBytes: JSON.stringify(schedule(0)).length,
  };
  // Keeps `loaded` alive until the heap was read.
  if (loaded[0].id === '') throw new Error('unreachable');
  return result;
}

/** Runs the bench against the Redis at `redisUrl`, deleting its keys afterwards. */
export async function runRedisSchedulesBench(
  redisUrl: string,
  count: number,
  concurrency = 100,
): Promise<SchedulesBenchResult> {
  const keyPrefix = `bench-schedules-${randomBytes(4).toString('hex')}`;
  const clients = [new Redis(redisUrl), new Redis(redisUrl)];
  const [writer, joiner] = clients.map(
    (client) =>
      new RedisCoordinator({ client, keyPrefix, claimTimeoutMs: 30_000 }),
  );
  const store = writer.schedules;
  const perSchedule = [store.dataKey, store.idsKey, store.handlerKey(HANDLER)];
  const log = [store.metaKey, store.logKey];
  const keys = [...perSchedule, ...log];
  // SAMPLES 0: every element counted, not an estimate from five.
  const usage = async (of: string[]): Promise<number> => {
    let bytes = 0;
    for (const key of of)
      bytes += Number(
        await clients[0].call('MEMORY', 'USAGE', key, 'SAMPLES', '0'),
      );
    return bytes;
  };
  try {
    const result = await measure(
      'redis',
      store,
      joiner.schedules,
      count,
      concurrency,
      () => usage(perSchedule),
      () => usage(log),
    );
    const sample = [0, Math.floor(count / 2), count - 1].map(
      (i) => schedule(i).id,
    );
    const boot = await bootJoiningReplica(redisUrl, keyPrefix, sample);
    if (!boot.scheduled)
      throw new Error('the joining replica did not schedule the schedules');
    result.replicaBootMs = Math.round(boot.bootMs);
    return result;
  } finally {
    await clients[0].del(...keys);
    clients.forEach((client) => client.disconnect());
  }
}

/** Runs the bench against the PostgreSQL at `databaseUrl`, dropping its schema afterwards. */
export async function runPostgresSchedulesBench(
  databaseUrl: string,
  count: number,
  concurrency = 100,
): Promise<SchedulesBenchResult> {
  const schema = `bench_schedules_${randomBytes(4).toString('hex')}`;
  const pools = [0, 1].map(
    () => new Pool({ connectionString: databaseUrl, max: 10 }),
  );
  const [writer, joiner] = pools.map(
    (pool) =>
      new PostgresCoordinator({
        pool,
        schema,
        claimTimeoutMs: 30_000,
        leaseTtlMs: 60_000,
      }),
  );
  const relationSize = async (table: string): Promise<number> => {
    const { rows } = await pools[0].query<{ bytes: string }>(
      `SELECT pg_total_relation_size($1) AS bytes`,
      [table],
    );
    return Number(rows[0].bytes);
  };
  try {
    return await measure(
      'postgres',
      writer.schedules,
      joiner.schedules,
      count,
      concurrency,
      () => relationSize(`${schema}.schedules`),
      () => relationSize(`${schema}.schedule_changes`),
    );
  } finally {
    await pools[0].query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await Promise.all(pools.map((pool) => pool.end()));
  }
}

async function main(): Promise<void> {
  const count = Number(process.env.SCHEDULES ?? 100_000);
  const results: SchedulesBenchResult[] = [];
  console.log(
    `schedules bench: ${count} schedules, ${cpus().length} CPUs (${cpus()[0]?.model}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (process.env.REDIS_URL)
    results.push(await runRedisSchedulesBench(process.env.REDIS_URL, count));
  else console.log('REDIS_URL unset: Redis skipped');
  if (process.env.DATABASE_URL)
    results.push(
      await runPostgresSchedulesBench(process.env.DATABASE_URL, count),
    );
  else console.log('DATABASE_URL unset: PostgreSQL skipped');
  console.table(results);
  for (const result of results) console.log(JSON.stringify(result));
  console.log(
    `load after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
