import type {
  RunOutcome,
  RunRecord,
} from '../../interfaces/run-record.interface';
import { recordCounter, type RecordCounter } from '../record-counters';
import { forgetTaskSql, recordRunsSql } from './postgres-statements';
import { WritesInFlight } from '../writes-in-flight';

/** One run to add to a task's history. */
interface PendingRecord {
  task: string;
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  outcome: RunOutcome;
  error: string | null;
  attempt: number;
  catchUp: boolean;
  /** 'F': no record, a run failed for good (`countFailedRun`). */
  counter: RecordCounter | 'F';
  /** An 'F' entry's caller, told the streak once the batch is written. */
  streak?: { resolve(streak: number): void; reject(error: unknown): void };
}

/** Why an 'F' entry got no streak back. */
const NOT_COUNTED = 'the failed run was not counted';

/**
 * The run history of PostgresCoordinator: records of one turn go as one
 * multi-row INSERT (which also counts them in their tasks' state: failures,
 * the failure streak, skips, the latest start), then one DELETE trims the tasks written to their
 * `keep` newest due times, so the table stays bounded per task. Never rejects on write:
 * a record lost to an outage is only a record.
 */
export class PostgresHistory {
  private pending: PendingRecord[] = [];
  /** Batches being written (`forget` waits for them). */
  private readonly writing = new WritesInFlight();

  constructor(
    private readonly schema: string,
    private readonly replicaId: string,
    private readonly keep: number,
    private readonly query: (
      text: string,
      values: unknown[],
    ) => Promise<Record<string, unknown>[]>,
    /**
     * Resolves once PostgreSQL has answered every statement sent so far, at
     * most a bound after the client gave up on one (the coordinator's `answers`).
     */
    private readonly answered: () => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Queues a record for the batch of this turn. */
  add(
    task: string,
    scheduledAt: number,
    startedAt: number,
    finishedAt: number,
    outcome: RunOutcome,
    error: string | undefined,
    attempt = 1,
    catchUp = false,
  ): void {
    this.push({
      task,
      scheduledAt,
      startedAt: Number.isNaN(startedAt) ? null : startedAt,
      finishedAt: Number.isNaN(finishedAt) ? null : finishedAt,
      outcome,
      // PostgreSQL text cannot hold NUL: one would fail the whole batch.
      error: error === undefined ? null : error.replaceAll('\u0000', '\uFFFD'),
      attempt,
      catchUp,
      counter: recordCounter(outcome, error),
    });
  }

  /**
   * See `Coordinator.countFailedRun`: counted by this turn's batch, after
   * the records queued before it; resolves to the task's streak after it.
   */
  countFailedRun(task: string): Promise<number> {
    return new Promise((resolve, reject) =>
      this.push({
        task,
        scheduledAt: 0,
        startedAt: null,
        finishedAt: null,
        outcome: 'failed',
        error: null,
        attempt: 1,
        catchUp: false,
        counter: 'F',
        streak: { resolve, reject },
      }),
    );
  }

  private push(record: PendingRecord): void {
    if (this.pending.length === 0)
      setImmediate(() => this.writing.track(this.flush()));
    this.pending.push(record);
  }

  /** The task's last `limit` records (at most `keep`), newest first. */
  async read(task: string, limit: number): Promise<RunRecord[]> {
    const count = Math.max(0, Math.min(limit, this.keep));
    if (count === 0) return [];
    const s = this.schema;
    const rows = await this.query(
      `SELECT scheduled_at, started_at, finished_at, outcome, error, replica, attempt, catch_up
FROM ${s}.history WHERE task = $1 ORDER BY scheduled_at DESC, id DESC LIMIT $2`,
      [task, count],
    );
    return rows.map((row) => {
      const record: RunRecord = {
        task,
        scheduledAt: new Date(Number(row.scheduled_at)),
        startedAt: at(row.started_at),
        finishedAt: at(row.finished_at),
        outcome: row.outcome as RunOutcome,
        replica: String(row.replica),
        attempt: row.attempt == null ? 1 : Number(row.attempt),
        catchUp: row.catch_up === true,
      };
      if (typeof row.error === 'string') record.error = row.error;
      return record;
    });
  }

  /**
   * Deletes a removed task's state and history (see `forgetTaskSql`): its
   * records not yet written are dropped, the batch in flight lands first,
   * and so does every statement PostgreSQL has not answered yet.
   * @returns whether it did (false: another live member declares it, or
   *   `stillGone` said no)
   */
  async forget(task: string, stillGone?: () => boolean): Promise<boolean> {
    for (const record of this.pending)
      if (record.task === task) record.streak?.reject(new Error(NOT_COUNTED));
    this.pending = this.pending.filter((record) => record.task !== task);
    await this.writing.settled();
    // A batch given up on after `claimTimeoutMs` may still commit: after it.
    await this.answered();
    if (stillGone?.() === false) return false;
    const rows = await this.query(forgetTaskSql(this.schema), [
      task,
      this.replicaId,
    ]);
    return rows[0]?.forgotten === true;
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const s = this.schema;
    try {
      const rows = await this.query(recordRunsSql(s), [
        batch.map((r) => r.task),
        batch.map((r) => r.scheduledAt),
        batch.map((r) => r.startedAt),
        batch.map((r) => r.finishedAt),
        batch.map((r) => r.outcome),
        batch.map((r) => r.error),
        this.replicaId,
        batch.map((r) => r.attempt),
        batch.map((r) => r.catchUp),
        batch.map((r) => r.counter),
      ]);
      tellStreaks(batch, rows);
      // Each written task keeps its `keep` newest due times (replicas'
      // batches arrive in any order, so "newest" is by due time, not by id).
      await this.query(
        `DELETE FROM ${s}.history h USING (
  SELECT t.task, g.scheduled_at, g.id FROM unnest($1::text[]) AS t(task)
  CROSS JOIN LATERAL (SELECT scheduled_at, id FROM ${s}.history
    WHERE task = t.task ORDER BY scheduled_at DESC, id DESC OFFSET $2 LIMIT 1) g
) cut
WHERE h.task = cut.task AND (h.scheduled_at, h.id) <= (cut.scheduled_at, cut.id)`,
        [[...new Set(batch.map((r) => r.task))], this.keep],
      );
    } catch (error) {
      // Lost with the outage; the runs themselves were fenced.
      for (const record of batch) record.streak?.reject(error);
    }
  }
}

/**
 * Tells each 'F' entry of a written batch its task's streak with it, in
 * batch order, as the store counted it: from the task's streak before the
 * batch (`recordRunsSql`'s rows), a success ('s') ending it.
 */
function tellStreaks(
  batch: readonly PendingRecord[],
  rows: readonly Record<string, unknown>[],
): void {
  let streaks: Map<string, number> | null = null;
  for (const record of batch) {
    if (record.counter !== 's' && record.streak === undefined) continue;
    streaks ??= new Map(
      rows.map((row) => [String(row.task), Number(row.streak_before)]),
    );
    const streak = streaks.get(record.task);
    // No row: no 'F' of the task, or another replica created its row meanwhile (not counted).
    if (streak === undefined) record.streak?.reject(new Error(NOT_COUNTED));
    else if (record.counter === 's') streaks.set(record.task, 0);
    else {
      streaks.set(record.task, streak + 1);
      record.streak!.resolve(streak + 1);
    }
  }
}

function at(value: unknown): Date | null {
  return value === null || value === undefined ? null : new Date(Number(value));
}
