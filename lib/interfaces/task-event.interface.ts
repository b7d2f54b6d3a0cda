/** The kinds of event `AioClockRegistry.events$` emits. */
export type TaskEventType =
  'scheduled' | 'started' | 'succeeded' | 'failed' | 'skipped';

/** One thing that happened to a task. */
export interface TaskEvent {
  type: TaskEventType;
  name: string;
  group: string;
  /** The due time concerned. */
  scheduledAt: Date;
  /** When the event happened. */
  at: Date;
  /** For `failed`: what the run threw (or why it could not run). */
  error?: unknown;
  /** For `skipped`: why the due time was not run. */
  reason?: string;
  /** For `started`, `succeeded`, `failed` of a task with `retry`: which try, from 1. */
  attempt?: number;
  /** For a run of a passed due time (`backfill`): `true`. */
  catchUp?: boolean;
}
