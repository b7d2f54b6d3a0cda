/**
 * The one argument a task method receives. Its dates and `signal` are made on
 * first read (getters, so a run that never reads them costs none of them):
 * `JSON.stringify(ctx)` shows the dates, a spread `{ ...ctx }` leaves them out.
 */
export interface TaskContext {
  /** The task's name (`Class.method` unless renamed). */
  name: string;
  /** The task's group: the name of the Nest module that declares its provider. */
  group: string;
  /** The due time this run was fired for (for a manual run: when it was asked for). */
  scheduledAt: Date;
  /**
   * When this run started. Runs started together by one timer wake-up share
   * a clock reading taken at most 64 runs earlier (within a millisecond,
   * unless a synchronous task body before it blocked for longer).
   */
  startedAt: Date;
  /** Aborted on timeout, on `cancelOther`, and when shutdown gives up waiting. */
  signal: AbortSignal;
  /** The id of the replica running this run (the coordinator's `replicaId`, else `<hostname>:<pid>`). */
  replica: string;
  /** Which try for this due time this is, from 1 (see `TaskOptions.retry`). */
  attempt: number;
  /** `true` for a run of a due time that had passed (`registry.backfill`). */
  catchUp: boolean;
}
