import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type Type } from '@nestjs/common';
import { Every, type OverlapPolicy, type TaskContext } from '../../../lib';
import { REPLICA_STORE, runKey, type ReplicaStore } from './replica.tasks';
import { ZoneScheduleHandlers } from './zone-schedules.tasks';

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

/** One run of a `policySlowTasks` task, as the list at `slowRunsKey` keeps it. */
export interface SlowRun {
  replica: string;
  due: number;
  from: number;
  to: number;
  /** Why its signal was aborted, '' when it ran its 2.5 s. */
  aborted: string;
}

/** Parses the list at `slowRunsKey`, sorted by start. */
export function parseSlowRuns(entries: string[]): SlowRun[] {
  return entries
    .map((entry) => entry.split('|'))
    .map(([replica, from, to, due, ...aborted]) => ({
      replica,
      due: +due,
      from: +from,
      to: +to,
      aborted: aborted.join('|'),
    }))
    .sort((x, y) => x.from - y.from);
}

/**
 * The slow task under one overlap policy: due every second, each run takes
 * 2.5 s unless its signal is aborted first (it stops then, and records why),
 * recorded in the run ledger and at `slowRunsKey`.
 */
export function policySlowTasks(overlap: OverlapPolicy): Type {
  @Injectable()
  class PolicySlowTasks {
    constructor(@Inject(REPLICA_STORE) readonly store: ReplicaStore) {}

    @Every({ seconds: 1 }, { name: 'slow', overlap })
    async slow(ctx: TaskContext): Promise<void> {
      const startedAt = Date.now();
      await record(this.store, ctx);
      const aborted = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve(''), SLOW_RUN_MS);
        ctx.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            const reason: unknown = ctx.signal.reason;
            resolve(reason instanceof Error ? reason.message : String(reason));
          },
          { once: true },
        );
      });
      const { redis, namespace, replicaId } = this.store;
      await redis.rpush(
        slowRunsKey(namespace),
        `${replicaId}|${startedAt}|${Date.now()}|${ctx.scheduledAt.getTime()}|${aborted}`,
      );
    }
  }
  return PolicySlowTasks;
}

/** The counter of failures the `pausing` task still has to make (it succeeds at or below 0). */
export const failuresLeftKey = (namespace: string): string =>
  `${namespace}:failures-left`;

/** The `pausing` app's task pauses itself after this many failures in a row. */
export const PAUSE_AFTER_FAILURES = 2;

/** A task due every second that fails while `failuresLeftKey` is above 0. */
@Injectable()
export class PausingTasks {
  constructor(@Inject(REPLICA_STORE) private readonly store: ReplicaStore) {}

  @Every(
    { seconds: 1 },
    { name: 'pausing', pauseOnFailure: PAUSE_AFTER_FAILURES },
  )
  async pausing(ctx: TaskContext): Promise<void> {
    await record(this.store, ctx);
    const left = await this.store.redis.decr(
      failuresLeftKey(this.store.namespace),
    );
    if (left >= 0) throw new Error(`failing on purpose (${left} left)`);
  }
}

/** How many tasks the jitter app declares, each due every `JITTER_PERIOD_MS`. */
export const JITTER_TASKS = 20;
/** The jitter app's period and `jitter`, in ms. */
export const JITTER_PERIOD_MS = 2_000;
export const JITTER_MS = 1_500;
/** Name of jittered task i. */
export const jitterTask = (i: number): string => `jitter${i}`;
/** The hash of `<task>|<due>` → `<replica>|<start − due in ms>|<catchUp>` the jittered runs write. */
export const jitterStartsKey = (namespace: string): string =>
  `${namespace}:jitter-starts`;

/** `JITTER_TASKS` tasks with `jitter`, recording their runs and start offsets. */
@Injectable()
export class JitterTasks {
  constructor(@Inject(REPLICA_STORE) readonly store: ReplicaStore) {}
}

for (let i = 0; i < JITTER_TASKS; i++) {
  const key = jitterTask(i);
  const proto = JitterTasks.prototype as unknown as Record<string, unknown>;
  Object.defineProperty(proto, key, {
    value: async function (this: JitterTasks, ctx: TaskContext) {
      const offset = Date.now() - ctx.scheduledAt.getTime();
      const { redis, namespace, replicaId } = this.store;
      await Promise.all([
        record(this.store, ctx),
        redis.hset(
          jitterStartsKey(namespace),
          `${ctx.name}|${ctx.scheduledAt.getTime()}`,
          `${replicaId}|${offset}|${ctx.catchUp}`,
        ),
      ]);
    },
    writable: true,
    configurable: true,
  });
  for (const apply of [
    Reflect.metadata('design:paramtypes', [Object]),
    Reflect.metadata('design:type', Function),
    Every(
      { seconds: JITTER_PERIOD_MS / 1_000 },
      { name: key, jitter: JITTER_MS },
    ),
  ]) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
    const result = apply(proto, key, descriptor);
    if (result) Object.defineProperty(proto, key, result);
  }
}

/** Every overlap policy, for the `slow-<policy>` apps. */
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = [
  'skip',
  'bufferOne',
  'bufferAll',
  'cancelOther',
  'allow',
];

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
  pausing: PausingTasks,
  jitter: JitterTasks,
  ...Object.fromEntries(
    OVERLAP_POLICIES.map((policy) => [
      `slow-${policy}`,
      policySlowTasks(policy),
    ]),
  ),
  catchUp: CatchUpTasks,
  schedules: ZoneScheduleHandlers,
};
