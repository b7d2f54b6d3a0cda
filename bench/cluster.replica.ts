/*
 * One replica of the cluster bench (cluster.bench.ts forks three): a Nest app
 * with TASKS generated `@Every({ seconds: 1 })` tasks under a RedisCoordinator
 * or a PostgresCoordinator, recording each run's lateness. It tells its
 * parent 'ready', and on 'stop' sends what it ran, closes the app and exits.
 * PostgreSQL statements are counted by wrapping the pool's query.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Pool } from 'pg';
import {
  AioClockModule,
  Every,
  PostgresCoordinator,
  RedisCoordinator,
  type Coordinator,
  type TaskContext,
} from '../lib';
import { errorCountingLogger } from './error-counting-logger';
import { hiresNow } from './run.recorder';
import { benchModule, generateTasks } from './task-classes';

/** What a replica sends its parent when asked to stop. */
export interface ReplicaReport {
  type: 'report';
  replica: string;
  /** Per run: task index, due time (epoch ms), lateness (ms). */
  task: number[];
  due: number[];
  lateMs: number[];
  /** PostgreSQL statements sent through the coordinator's pool, at each 'mark'. */
  statementMarks: number[];
  /** Errors the scheduler logged (failed runs, failed claims). */
  failed: number;
}

async function main(): Promise<void> {
  const backend = process.env.BACKEND ?? 'redis';
  const replica = process.env.REPLICA_ID ?? `replica-${process.pid}`;
  const namespace = process.env.NAMESPACE ?? 'aioclock-cluster-bench';
  const tasks = Number(process.env.TASKS ?? 3_000);

  const task: number[] = [];
  const due: number[] = [];
  const lateMs: number[] = [];
  const makeMethod = (i: number) =>
    function (ctx: TaskContext) {
      const entry = hiresNow();
      const scheduledAt = ctx.scheduledAt.getTime();
      task.push(i);
      due.push(scheduledAt);
      lateMs.push(entry - scheduledAt);
    };
  const { classes } = generateTasks(tasks, 50, makeMethod, () =>
    Every({ seconds: 1 }),
  );

  let statements = 0;
  let redis: Redis | null = null;
  let pool: Pool | null = null;
  let coordinator: Coordinator;
  if (backend === 'postgres') {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
    pool.on('error', () => undefined);
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    const counted = {
      query: (...args: unknown[]) => {
        statements++;
        return query(...args);
      },
      connect: () => pool!.connect(),
    };
    coordinator = new PostgresCoordinator({
      pool: counted as never,
      schema: namespace.replace(/[^a-z0-9_]/g, '_'),
      replicaId: replica,
    });
  } else {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: 1,
    });
    redis.on('error', () => undefined);
    coordinator = new RedisCoordinator({
      client: redis,
      keyPrefix: namespace,
      replicaId: replica,
    });
  }
  const { logger, errors } = errorCountingLogger();
  const app = await NestFactory.createApplicationContext(
    benchModule(AioClockModule.forRoot({ coordinator }), classes),
    { logger },
  );
  const statementMarks: number[] = [];
  process.on('message', (message) => {
    if (message === 'mark') statementMarks.push(statements);
    if (message !== 'stop') return;
    void (async () => {
      const report: ReplicaReport = {
        type: 'report',
        replica,
        task,
        due,
        lateMs,
        statementMarks,
        failed: errors(),
      };
      process.send?.(report);
      await app.close();
      await Promise.allSettled([redis?.quit(), pool?.end()]);
      process.disconnect?.();
    })();
  });
  process.send?.({ type: 'ready', at: Date.now() });
}

main().catch((error) => {
  process.stderr.write(`cluster replica failed: ${String(error)}\n`);
  process.exit(1);
});
