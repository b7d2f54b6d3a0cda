// One replica process, forked by test/e2e/replicas: a Nest application
// context with ReplicaModule, coordinated through the Redis at REDIS_URL, or
// with COORDINATOR=postgres through the PostgreSQL at DATABASE_URL (the runs
// are still recorded in Redis, where the tests read them).
// It talks to its parent over IPC: 'ready' once started, every 'failed'
// event, and 'stopped' after a clean shutdown asked for with 'stop'.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Pool } from 'pg';
import {
  AioClockRegistry,
  Clock,
  PostgresCoordinator,
  RedisCoordinator,
  SystemClock,
  type Coordinator,
  type TaskInfo,
} from '../../../lib';
import { CLUSTER_APPS } from './cluster.tasks';
import { postgresSchemaOf } from './postgres-schema-of';
import { ReplicaModule } from './replica.module';

/** What a replica process sends its parent. */
export type ReplicaMessage =
  | { type: 'ready'; at: number; clockOffsetMs: number }
  | { type: 'failed'; name: string; scheduledAt: number; error: string }
  | { type: 'info'; info: TaskInfo }
  | { type: 'resumed' }
  | { type: 'stopped' };

/** What the parent may ask besides 'stop': a task's TaskInfo, or to resume it. */
export type ReplicaRequest =
  { type: 'info'; name: string } | { type: 'resume'; name: string };

function send(message: ReplicaMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const replicaId = process.env.REPLICA_ID ?? `replica-${process.pid}`;
  const namespace = process.env.REPLICA_NAMESPACE ?? 'aioclock-replicas';
  const leaseTtlMs = Number(process.env.REPLICA_LEASE_TTL_MS ?? 3_000);

  // The coordinator's own client, with the settings the README recommends:
  // give up queued commands quickly and reconnect promptly.
  // COORDINATOR_REDIS_URL: a server of its own, which a test may stop while
  // the runs are still recorded at REDIS_URL.
  const coordinatorClient = new Redis(
    process.env.COORDINATOR_REDIS_URL || url,
    {
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 100, 500),
    },
  );
  // The tasks' client keeps commands queued through an outage so no run's record is lost.
  const dataClient = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: () => 100,
  });
  // Connection errors are expected while Redis is down; the scheduler reports them.
  coordinatorClient.on('error', () => undefined);
  dataClient.on('error', () => undefined);

  // The README's Postgres setup: a pg Pool of the app's, short timeouts.
  const pool =
    process.env.COORDINATOR === 'postgres'
      ? new Pool({
          connectionString: process.env.DATABASE_URL,
          max: 4,
          connectionTimeoutMillis: 1_000,
        })
      : null;
  // Connection errors are expected while PostgreSQL is down, as for Redis.
  pool?.on('error', () => undefined);
  const coordinator: Coordinator = pool
    ? new PostgresCoordinator({
        pool,
        schema: postgresSchemaOf(namespace),
        replicaId,
        leaseTtlMs,
      })
    : new RedisCoordinator({
        client: coordinatorClient,
        keyPrefix: namespace,
        replicaId,
        leaseTtlMs,
      });
  const module = ReplicaModule.register(
    { redis: dataClient, namespace, replicaId },
    coordinator,
    CLUSTER_APPS[process.env.REPLICA_APP ?? ''],
  );
  const offsetMs = Number(process.env.REPLICA_CLOCK_OFFSET_MS ?? 0);
  const app =
    offsetMs === 0
      ? await NestFactory.createApplicationContext(module, {
          logger: ['log', 'warn', 'error'],
        })
      : await startWithClockOffset(module, offsetMs);
  const registry = app.get(AioClockRegistry);
  registry.events$.subscribe((event) => {
    if (event.type !== 'failed') return;
    const error =
      event.error instanceof Error ? event.error.message : String(event.error);
    send({
      type: 'failed',
      name: event.name,
      scheduledAt: event.scheduledAt.getTime(),
      error,
    });
  });

  process.on('message', (message: 'stop' | ReplicaRequest) => {
    if (typeof message === 'object' && message.type === 'info')
      send({ type: 'info', info: registry.getTask(message.name) });
    if (typeof message === 'object' && message.type === 'resume') {
      registry.resume(message.name);
      send({ type: 'resumed' });
    }
    if (message !== 'stop') return;
    void (async () => {
      await app.close();
      await Promise.allSettled([
        coordinatorClient.quit(),
        dataClient.quit(),
        pool?.end(),
      ]);
      send({ type: 'stopped' });
      process.disconnect?.();
    })();
  });
  const clockOffsetMs =
    Math.round((app.get(Clock).timestamp() - Date.now()) / 100) * 100;
  send({ type: 'ready', at: Date.now(), clockOffsetMs });
}

/** A system clock whose reading is `offsetMs` off, as a badly synchronised host's. */
class OffsetClock extends SystemClock {
  constructor(private readonly offsetMs: number) {
    super();
  }
  override timestamp(): number {
    return super.timestamp() + this.offsetMs;
  }
  override now(): Date {
    return new Date(this.timestamp());
  }
}

// Nest offers overrideProvider through its testing module only.
async function startWithClockOffset(
  module: DynamicModule,
  offsetMs: number,
): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({ imports: [module] })
    .overrideProvider(Clock)
    .useValue(new OffsetClock(offsetMs))
    .compile();
  moduleRef.useLogger(['log', 'warn', 'error']);
  return moduleRef.init();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
