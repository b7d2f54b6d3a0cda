/** How a run (or a due time that did not run) ended. */
export type RunOutcome =
  'succeeded' | 'failed' | 'timedOut' | 'cancelled' | 'skipped' | 'missed';

/** One entry of a task's history (`registry.getHistory`). */
export interface RunRecord {
  /** The task's name. */
  task: string;
  /** The due time (for a manual run: when it was asked for). */
  scheduledAt: Date;
  /** When it started; null when it did not run. */
  startedAt: Date | null;
  /** When it ended; null when it did not run. */
  finishedAt: Date | null;
  outcome: RunOutcome;
  /** The error's message (failed, timedOut, cancelled) or why it was skipped. */
  error?: string;
  /** The replica that ran (or skipped) it. */
  replica: string;
  /** 1-based try for this due time. */
  attempt: number;
  /** `true` for a run caught up after it was missed. */
  catchUp: boolean;
}

/** Options of `registry.getHistory`. */
export interface HistoryQuery {
  /** How many records at most, newest first. @default all that are kept */
  limit?: number;
}
