import { skipReasons } from '../aioclock.messages';
import { describeError } from '../errors/describe-error';
import { isInstance } from '../errors/is-instance';
import { TaskTimeoutError } from '../errors/task-timeout.error';
import type { RunOutcome } from '../interfaces/run-record.interface';
import type { SchedulerInternals } from './scheduler-internals';
import type { RunWaiter, TaskState } from './task-state';

type RunRecorderHost = Pick<
  SchedulerInternals,
  'coordinator' | 'history' | 'otel' | 'events'
>;

/**
 * Writes how each run ended, and each skipped due time (counted, reported to
 * metrics and `events$` too), into the task's history:
 * in this process, and in the coordinator's store for a task the cluster
 * shares. The try number and `catchUp` come from the run's waiter, as they
 * do for its `TaskContext`. Built once per scheduler; allocates nothing per
 * run beyond the history entry itself.
 */
export class RunRecorder {
  /** @param host the scheduler */
  constructor(private readonly host: RunRecorderHost) {}

  /** A run ended well (a synchronous run ends at its start reading). */
  succeeded(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    startedMs: number,
    finishedMs: number,
  ): void {
    // A scheduled run that ended at once, on this replica only: its record
    // may wait for the end of the dispatch pass (`RunHistory.addLater`).
    if (
      waiter === null &&
      (!task.special || task.claim === null) &&
      startedMs === finishedMs
    )
      this.host.history.addLater(task, due, startedMs);
    else
      this.record(
        task,
        due,
        waiter,
        startedMs,
        finishedMs,
        'succeeded',
        undefined,
      );
  }

  /** @param cancelled the scheduler aborted the run itself (`cancelOther`, shutdown) */
  failed(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    cancelled: boolean,
    error: unknown,
    startedMs: number,
    finishedMs: number,
  ): void {
    const outcome: RunOutcome = cancelled
      ? 'cancelled'
      : isInstance(error, TaskTimeoutError)
        ? 'timedOut'
        : 'failed';
    const text = describeError(error);
    this.record(task, due, waiter, startedMs, finishedMs, outcome, text);
  }

  /** Counts and reports a due time that does not run (`SchedulerInternals.skip`). */
  skipped(task: TaskState, due: number, reason: string): void {
    const host = this.host;
    task.skipped++;
    if (host.otel !== null) host.otel.notRun(task.name, task.group.name);
    // Non-owners skip every due time of the tasks others own: not history.
    if (reason !== skipReasons.claimed)
      this.record(task, due, null, NaN, NaN, 'skipped', reason);
    if (host.events.observed)
      host.events.emit('skipped', task, due, undefined, reason);
  }

  private record(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    startedMs: number,
    finishedMs: number,
    outcome: RunOutcome,
    error: string | undefined,
  ): void {
    // As startRun sets the context: a waiter with an attempt carries both.
    const retried = waiter !== null && waiter.attempt !== undefined;
    const attempt = retried ? waiter.attempt! : 1;
    const catchUp = retried && waiter.catchUp === true;
    const { history, coordinator } = this.host;
    history.add(
      task,
      due,
      startedMs,
      finishedMs,
      outcome,
      error,
      attempt,
      catchUp,
    );
    if (task.claim !== null)
      coordinator!.recordRun?.(
        task.name,
        due,
        startedMs,
        finishedMs,
        outcome,
        error,
        attempt,
        catchUp,
      );
  }
}
