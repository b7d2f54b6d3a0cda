import type { ClusterTaskState } from './coordinator.interface';
import { TAKE_OVER_SCRIPT, TASK_STATE_SCRIPT } from './redis-cluster.scripts';
import type { RedisScriptBatch } from './redis-script-batch';

/**
 * The tasks' durable state in Redis as the scheduler reads it off the hot
 * path: the cluster's counters, read for every declared task in one batch
 * per heartbeat and kept for `TaskInfo`; and catch-up's one batched read
 * (and mark) of the tasks a replica takes over.
 */
export class RedisTaskStates {
  private readonly cache = new Map<string, ClusterTaskState>();
  private reading = false;

  /**
   * @param batch the coordinator's script batch (one round trip per turn)
   * @param stateKey the key of a task's state hash
   */
  constructor(
    private readonly batch: RedisScriptBatch,
    private readonly stateKey: (task: string) => string,
  ) {}

  /** The counters of `task` as last read; undefined before. */
  get(task: string): ClusterTaskState | undefined {
    return this.cache.get(task);
  }

  /** Reads the counters of `tasks` again (skipped while a read is in flight). Never rejects. */
  async refresh(tasks: Iterable<string>): Promise<void> {
    if (this.reading) return;
    const names = [...tasks];
    if (names.length === 0) return;
    this.reading = true;
    const states = await this.read(names).finally(() => {
      this.reading = false;
    });
    for (const [task, state] of states) this.cache.set(task, state);
  }

  /** The counters of `tasks` now, in one batch, not kept; a task never run or not read is left out. Never rejects. */
  async read(tasks: readonly string[]): Promise<Map<string, ClusterTaskState>> {
    const states = new Map<string, ClusterTaskState>();
    await Promise.all(
      tasks.map((task) =>
        this.batch.run(TASK_STATE_SCRIPT, [this.stateKey(task)], []).then(
          (reply) => {
            const state = parseState(reply);
            if (state !== null) states.set(task, state);
          },
          () => undefined,
        ),
      ),
    );
    return states;
  }

  /** See `Coordinator.takeOverDueTimes`. */
  async takeOver(
    tasks: readonly { name: string; before: number }[],
  ): Promise<Map<string, number>> {
    const replies = await Promise.all(
      tasks.map(({ name, before }) =>
        this.batch.run(
          TAKE_OVER_SCRIPT,
          [this.stateKey(name)],
          [String(Math.floor(before) - 1)],
        ),
      ),
    );
    const last = new Map<string, number>();
    tasks.forEach(({ name }, i) => {
      const due = Number(replies[i]);
      if (replies[i] !== null && Number.isFinite(due)) last.set(name, due);
    });
    return last;
  }
}

function parseState(reply: unknown): ClusterTaskState | null {
  // No state hash yet: nothing the cluster knows better than the replica.
  if (!Array.isArray(reply) || reply.every((value) => value === null))
    return null;
  const [runs, failures, skipped, streak, lastRunAt] = reply.map((value) =>
    value === null || value === undefined ? NaN : Number(value),
  );
  const count = (value: number) => (Number.isFinite(value) ? value : 0);
  return {
    runs: count(runs),
    failures: count(failures),
    skipped: count(skipped),
    consecutiveFailures: count(streak),
    lastRunAt,
  };
}
