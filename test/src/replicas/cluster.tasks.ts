import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type Type } from '@nestjs/common';
import { Every, type TaskContext } from '../../../lib';
import { REPLICA_STORE, runKey, type ReplicaStore } from './replica.tasks';

/** How many tasks the spread app declares. */
export const SPREAD_TASKS = 300;

/** Name of spread task i. */
export const spreadTask = (i: number): string => `spread${i}`;

/** Records one run of `ctx`'s task in Redis, as `ReplicaTasks` does. */
async function record(store: ReplicaStore, ctx: TaskContext): Promise<void> {
  await store.redis.sadd(
    runKey(store.namespace, ctx.name, ctx.scheduledAt.getTime()),
    `${store.replicaId}|${randomUUID()}`,
  );
}

/** `SPREAD_TASKS` tasks due every second, each recording its runs. */
@Injectable()
export class SpreadTasks {
  constructor(@Inject(REPLICA_STORE) readonly store: ReplicaStore) {}
}

// Generated methods, decorated as tsc's __decorate would (metadata first).
for (let i = 0; i < SPREAD_TASKS; i++) {
  const key = spreadTask(i);
  const proto = SpreadTasks.prototype as unknown as Record<string, unknown>;
  Object.defineProperty(proto, key, {
    value: function (this: SpreadTasks, ctx: TaskContext) {
      return record(this.store, ctx);
    },
    writable: true,
    configurable: true,
  });
  for (const apply of [
    Reflect.metadata('design:paramtypes', [Object]),
    Reflect.metadata('design:type', Function),
    Every({ seconds: 1 }, { name: key }),
  ]) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
    const result = apply(proto, key, descriptor);
    if (result) Object.defineProperty(proto, key, result);
  }
}

/** One task limited to three runs (issue 11, defect 6). */
@Injectable()
export class LimitedTasks {
  constructor(@Inject(REPLICA_STORE) private readonly store: ReplicaStore) {}

  @Every({ seconds: 1, maxLoopCount: 3 }, { name: 'limited' })
  async limited(ctx: TaskContext): Promise<void> {
    await record(this.store, ctx);
  }
}

/** The list of `replica|startedAt|endedAt` entries the slow task appends to. */
export const slowRunsKey = (namespace: string): string =>
  `${namespace}:slow-runs`;

/** How long a run of the slow task takes, in ms. */
export const SLOW_RUN_MS = 2_500;

/** A task due every second whose runs take 2.5 s (default overlap: skip). */
@Injectable()
export class SlowTasks {
  constructor(@Inject(REPLICA_STORE) private readonly store: ReplicaStore) {}

  @Every({ seconds: 1 }, { name: 'slow' })
  async slow(): Promise<void> {
    const startedAt = Date.now();
    // Ignores its signal on purpose: a run given up on at shutdown goes on.
    await new Promise((resolve) => setTimeout(resolve, SLOW_RUN_MS));
    const { redis, namespace, replicaId } = this.store;
    await redis.rpush(
      slowRunsKey(namespace),
      `${replicaId}|${startedAt}|${Date.now()}`,
    );
  }
}

/** The list of `task|scheduledAt|catchUp|replica` entries the catch-up tasks append to. */
export const catchUpRunsKey = (namespace: string): string =>
  `${namespace}:catch-up-runs`;

/** Three tasks due every second, one per catch-up policy. */
@Injectable()
export class CatchUpTasks {
  constructor(@Inject(REPLICA_STORE) private readonly store: ReplicaStore) {}

  private async record(ctx: TaskContext): Promise<void> {
    const { redis, namespace, replicaId } = this.store;
    await redis.rpush(
      catchUpRunsKey(namespace),
      `${ctx.name}|${ctx.scheduledAt.getTime()}|${ctx.catchUp}|${replicaId}`,
    );
  }

  @Every({ seconds: 1 }, { name: 'catchLatest' })
  latest(ctx: TaskContext): Promise<void> {
    return this.record(ctx);
  }

  @Every({ seconds: 1 }, { name: 'catchAll', catchUp: 'all' })
  all(ctx: TaskContext): Promise<void> {
    return this.record(ctx);
  }

  @Every({ seconds: 1 }, { name: 'catchNone', catchUp: 'none' })
  none(ctx: TaskContext): Promise<void> {
    return this.record(ctx);
  }
}

/** The providers of each replica app, by `REPLICA_APP`. */
export const CLUSTER_APPS: Record<string, Type> = {
  spread: SpreadTasks,
  limited: LimitedTasks,
  slow: SlowTasks,
  catchUp: CatchUpTasks,
};
