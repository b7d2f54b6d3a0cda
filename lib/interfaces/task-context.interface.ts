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
  /** When this run actually started. */
  startedAt: Date;
  /** Aborted on timeout, on `cancelOther`, and when shutdown gives up waiting. */
  signal: AbortSignal;
  /** The id of the replica running this run (the coordinator's `replicaId`, else `<hostname>:<pid>`). */
  replica: string;
}
