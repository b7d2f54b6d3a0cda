import type { TaskHistory } from './aioclock-http.history';

/**
 * One run as `GET {path}/tasks/:name/history` returns it: the shape of the
 * contract's `RunRecord` (`registry.getHistory`), so the endpoint can read
 * that instead of the dashboard's in-memory history once it exists.
 */
export interface HistoryRecord {
  task: string;
  scheduledAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  outcome: 'succeeded' | 'failed' | 'timedOut' | 'cancelled' | 'skipped';
  error?: string;
  replica: string;
  attempt: number;
  catchUp: boolean;
}

/**
 * The in-memory history of one task as history records, newest first.
 * A run without a retry policy is attempt 1; only backfilled runs are caught up.
 * @param task the task's name
 * @param history what `AioClockRunHistory.of` returned
 * @param replica this process's replica id
 * @param limit at most this many
 */
export function toHistoryRecords(
  task: string,
  history: TaskHistory,
  replica: string,
  limit: number,
): HistoryRecord[] {
  const records: HistoryRecord[] = [];
  for (
    let i = history.recent.length - 1;
    i >= 0 && records.length < limit;
    i--
  ) {
    const run = history.recent[i];
    const record: HistoryRecord = {
      task,
      scheduledAt: run.scheduledAt,
      startedAt: run.startedAt,
      finishedAt: run.outcome === 'skipped' ? null : run.at,
      outcome: run.timedOut === true ? 'timedOut' : run.outcome,
      replica,
      attempt: run.attempt ?? 1,
      catchUp: run.catchUp === true,
    };
    if (run.error !== undefined) record.error = run.error;
    records.push(record);
  }
  return records;
}
