/*
 * One replica of the schedule lateness bench (schedule-lateness.bench.ts
 * forks three): a Nest app with one `@ScheduleHandler` under a
 * RedisCoordinator, which loads the durable schedules the parent upserted
 * and records each run's lateness. It tells its parent 'ready', and on
 * 'stop' sends what it ran, closes the app and exits.
 */
import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import {
  AioClockModule,
  RedisCoordinator,
  ScheduleHandler,
  type TaskContext,
} from '../lib';
import type { ReplicaReport } from './cluster.replica';
import { errorCountingLogger } from './error-counting-logger';
import { hiresNow } from './run.recorder';

/** The handler the bench's schedules name. */
export const BENCH_SCHEDULE_HANDLER = 'bench.tick';

/** Every run of this replica: the schedule's index (its payload), due time, lateness. */
const task: number[] = [];
const due: number[] = [];
const lateMs: number[] = [];

@Injectable()
class BenchScheduleHandler {
  @ScheduleHandler(BENCH_SCHEDULE_HANDLER)
  tick(payload: { i: number }, ctx: TaskContext): void {
    const entry = hiresNow();
    const scheduledAt = ctx.scheduledAt.getTime();
    task.push(payload.i);
    due.push(scheduledAt);
    lateMs.push(entry - scheduledAt);
  }
}

@Module({})
class BenchScheduleModule {
  static register(coordinator: RedisCoordinator): DynamicModule {
    return {
      module: BenchScheduleModule,
      imports: [AioClockModule.forRoot({ coordinator })],
      providers: [BenchScheduleHandler],
    };
  }
}

async function main(): Promise<void> {
  const replica = process.env.REPLICA_ID ?? `replica-${process.pid}`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
  });
  redis.on('error', () => undefined);
  const coordinator = new RedisCoordinator({
    client: redis,
    keyPrefix: process.env.NAMESPACE ?? 'aioclock-schedule-bench',
    replicaId: replica,
  });
  const { logger, errors } = errorCountingLogger();
  const app = await NestFactory.createApplicationContext(
    BenchScheduleModule.register(coordinator),
    { logger },
  );
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void (async () => {
      const report: ReplicaReport = {
        type: 'report',
        replica,
        task,
        due,
        lateMs,
        statementMarks: [],
        failed: errors(),
      };
      process.send?.(report);
      await app.close();
      await redis.quit().catch(() => undefined);
      process.disconnect?.();
    })();
  });
  process.send?.({ type: 'ready', at: Date.now() });
}

// The parent imports this file's handler name: start only when forked.
if (require.main === module)
  main().catch((error) => {
    process.stderr.write(`schedule bench replica failed: ${String(error)}\n`);
    process.exit(1);
  });
