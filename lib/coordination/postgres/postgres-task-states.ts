import type { ClusterTaskState } from '../coordinator.interface';
import { clusterStateSql, takeOverSql } from './postgres-statements';

/**
 * The tasks' durable state in PostgreSQL as the scheduler reads it off the
 * hot path: the cluster's counters, read for every declared task in one
 * statement per heartbeat and kept for `TaskInfo`; and catch-up's one
 * statement reading (and marking) the tasks a replica takes over.
 */
export class PostgresTaskStates {
  private readonly cache = new Map<string, ClusterTaskState>();
  private reading = false;

  /**
   * @param schema the coordinator's schema
   * @param query the coordinator's bounded statement
   */
  constructor(
    private readonly schema: string,
    private readonly query: (
      text: string,
      values: unknown[],
    ) => Promise<Record<string, unknown>[]>,
  ) {}

  /** The counters of `task` as last read; undefined before. */
  get(task: string): ClusterTaskState | undefined {
    return this.cache.get(task);
  }

  /** Reads the counters of `tasks` again (skipped while a read is in flight). Never rejects. */
  async refresh(tasks: readonly string[]): Promise<void> {
    if (this.reading || tasks.length === 0) return;
    this.reading = true;
    try {
      // Kept as last read when it fails; the next heartbeat tries again.
      const states = await this.read(tasks);
      for (const [task, state] of states) this.cache.set(task, state);
    } finally {
      this.reading = false;
    }
  }

  /** The counters of `tasks` now, in one statement, not kept; a task never run is left out. Never rejects (empty on failure). */
  async read(tasks: readonly string[]): Promise<Map<string, ClusterTaskState>> {
    const states = new Map<string, ClusterTaskState>();
    if (tasks.length === 0) return states;
    try {
      const rows = await this.query(clusterStateSql(this.schema), [tasks]);
      for (const row of rows)
        states.set(String(row.task), {
          runs: Number(row.runs),
          failures: Number(row.failures),
          skipped: Number(row.skipped),
          consecutiveFailures: Number(row.consecutive_failures),
          lastRunAt: row.last_run_at == null ? NaN : Number(row.last_run_at),
        });
    } catch {
      // Left out: the caller shows what it has.
    }
    return states;
  }

  /** See `Coordinator.takeOverDueTimes`; rejects with the statement's failure. */
  async takeOver(
    tasks: readonly { name: string; before: number }[],
  ): Promise<Map<string, number>> {
    const last = new Map<string, number>();
    if (tasks.length === 0) return last;
    const rows = await this.query(takeOverSql(this.schema), [
      tasks.map((task) => task.name),
      tasks.map((task) => Math.floor(task.before) - 1),
    ]);
    for (const row of rows) last.set(String(row.task), Number(row.last));
    return last;
  }
}
