/** The one argument a task method receives. */
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
}
