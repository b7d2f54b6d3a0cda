import type { TaskContext } from '../interfaces/task-context.interface';

/**
 * The `TaskContext` one run receives. The `AbortController` behind `signal`
 * is created only when a run reads `signal` or gets aborted, so a run that
 * never looks at it costs no controller.
 */
export class RunContext implements TaskContext {
  readonly scheduledAt: Date;
  private started: Date | undefined;
  private controller: AbortController | undefined;

  /**
   * @param name the task's name
   * @param group the task's group
   * @param scheduledMs the due time the run is for, epoch ms
   * @param startedMs when the run starts, epoch ms
   */
  constructor(
    readonly name: string,
    readonly group: string,
    scheduledMs: number,
    private readonly startedMs: number,
  ) {
    this.scheduledAt = new Date(scheduledMs);
  }

  /** When this run actually started; the Date is made on first read (most runs never ask). */
  get startedAt(): Date {
    return (this.started ??= new Date(this.startedMs));
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
