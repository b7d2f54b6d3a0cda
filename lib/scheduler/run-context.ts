import type { TaskContext } from '../interfaces/task-context.interface';

/**
 * A run's due time and start time, epoch ms. The runs of one dispatch pass
 * that start at the same clock reading share one: two numbers held by every
 * context would be two boxed numbers allocated per run.
 */
export class RunTimes {
  constructor(
    readonly scheduledMs: number,
    readonly startedMs: number,
  ) {}
}

/**
 * The `TaskContext` one run receives. Its Dates and the `AbortController`
 * behind `signal` are made on first read (or abort): a run that never looks
 * at them costs none of them — a Date is ~100 bytes, 10 000 tasks due
 * together make one each.
 */
export class RunContext implements TaskContext {
  private scheduled: Date | undefined;
  private started: Date | undefined;
  private controller: AbortController | undefined;
  /** Which try for this due time, from 1; set by the retry policy. */
  attempt = 1;
  /** A run of a passed due time (backfill). */
  catchUp = false;

  /**
   * @param name the task's name
   * @param group the task's group
   * @param times the due time the run is for and when it starts
   * @param replica the id of the replica running it
   */
  constructor(
    readonly name: string,
    readonly group: string,
    private readonly times: RunTimes,
    readonly replica: string,
  ) {}

  /** The due time this run was fired for (for a manual run: when it was asked for). */
  get scheduledAt(): Date {
    return (this.scheduled ??= new Date(this.times.scheduledMs));
  }

  /** When this run actually started; the Date is made on first read (most runs never ask). */
  get startedAt(): Date {
    return (this.started ??= new Date(this.times.startedMs));
  }

  /** What `JSON.stringify` shows: the fields, dates included (they are getters, which it would skip). */
  toJSON(): Omit<TaskContext, 'signal'> {
    return {
      name: this.name,
      group: this.group,
      scheduledAt: this.scheduledAt,
      startedAt: this.startedAt,
      replica: this.replica,
      attempt: this.attempt,
      catchUp: this.catchUp,
    };
  }

  /** Aborted on timeout, on `cancelOther`, and when shutdown gives up waiting. */
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  /** Aborts `signal` with `reason` (the first reason wins). */
  abort(reason: unknown): void {
    (this.controller ??= new AbortController()).abort(reason);
  }
}
