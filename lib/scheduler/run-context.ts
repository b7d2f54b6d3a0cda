import type { TaskContext } from '../interfaces/task-context.interface';

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

  /**
   * @param name the task's name
   * @param group the task's group
   * @param scheduledMs the due time the run is for, epoch ms
   * @param startedMs when the run starts, epoch ms
   * @param replica the id of the replica running it
   */
  constructor(
    readonly name: string,
    readonly group: string,
    private readonly scheduledMs: number,
    private readonly startedMs: number,
    readonly replica: string,
  ) {}

  /** The due time this run was fired for (for a manual run: when it was asked for). */
  get scheduledAt(): Date {
    return (this.scheduled ??= new Date(this.scheduledMs));
  }

  /** When this run actually started; the Date is made on first read (most runs never ask). */
  get startedAt(): Date {
    return (this.started ??= new Date(this.startedMs));
  }

  /** What `JSON.stringify` shows: the fields, dates included (they are getters, which it would skip). */
  toJSON(): Pick<
    TaskContext,
    'name' | 'group' | 'scheduledAt' | 'startedAt' | 'replica'
  > {
    return {
      name: this.name,
      group: this.group,
      scheduledAt: this.scheduledAt,
      startedAt: this.startedAt,
      replica: this.replica,
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
