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

/** The providers of each replica app, by `REPLICA_APP`. */
export const CLUSTER_APPS: Record<string, Type> = {
  spread: SpreadTasks,
  limited: LimitedTasks,
};
