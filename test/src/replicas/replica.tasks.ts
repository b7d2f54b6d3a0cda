import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { Cron, Every, Forever, type TaskContext } from '../../../lib';

/** Token of the `ReplicaStore` the replica's tasks write their runs to. */
export const REPLICA_STORE = 'REPLICA_STORE';

/** Where a replica records what it ran: a Redis client of its own and a key namespace. */
export interface ReplicaStore {
  redis: Redis;
  /** Prefix of every key this test run writes. */
  namespace: string;
  replicaId: string;
}

/** The key holding the runs of `task` due at `scheduledAt` (one set member per run). */
export const runKey = (
  namespace: string,
  task: string,
  scheduledAt: number,
): string => `${namespace}:runs:${task}:${scheduledAt}`;

/** The list of `replicaId|epochMs` entries the `@Forever` task appends to. */
export const foreverKey = (namespace: string): string => `${namespace}:forever`;

/**
 * The same tasks on every replica. Each run counts itself in Redis: a set per
 * due time gets one unique member per run (SADD of a fresh id, so a command
 * that ioredis re-sends after a reconnect cannot count a run twice).
 */
@Injectable()
export class ReplicaTasks {
  constructor(@Inject(REPLICA_STORE) private readonly store: ReplicaStore) {}

  @Every({ seconds: 1 }, { name: 'every' })
  async every(ctx: TaskContext): Promise<void> {
    await this.record(ctx);
  }

  @Cron('*/2 * * * * *', { name: 'cron' })
  async cron(ctx: TaskContext): Promise<void> {
    await this.record(ctx);
  }

  @Forever({}, { name: 'forever' })
  async forever(ctx: TaskContext): Promise<void> {
    const { redis, namespace, replicaId } = this.store;
    await redis.rpush(foreverKey(namespace), `${replicaId}|${Date.now()}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async record(ctx: TaskContext): Promise<void> {
    const { redis, namespace, replicaId } = this.store;
    await redis.sadd(
      runKey(namespace, ctx.name, ctx.scheduledAt.getTime()),
      `${replicaId}|${randomUUID()}`,
    );
  }
}
