import { taskFailed } from '../aioclock.messages';
import type { RunTrace } from '../observability/run-instrumentation';
import { stackOf } from './run-outcome';
import type { RunRecorder } from './run-recorder';
import type { SchedulerInternals } from './scheduler-internals';
import type { RunWaiter, TaskState } from './task-state';

type RunFailuresHost = Pick<
  SchedulerInternals,
  'clock' | 'logger' | 'events' | 'runPolicies' | 'afterRun' | 'reportError'
>;

/**
 * The end of a run that threw, rejected, timed out or was cancelled: count
 * it, record it, hand it to the retry policy, then settle the waiter, log and
 * emit. Off the hot path (a failing run is the rare case); built once per
 * scheduler.
 */
export class RunFailures {
  /**
   * @param host the scheduler
   * @param recorder the scheduler's history writer
   */
  constructor(
    private readonly host: RunFailuresHost,
    private readonly recorder: RunRecorder,
  ) {}

  /**
   * @param cancelled the scheduler aborted the run itself (`cancelOther`, shutdown): a warning, not an error
   * @param trace the run's span, ended first, when OpenTelemetry is on
   */
  report(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    cancelled: boolean | undefined,
    error: unknown,
    startedMs: number,
    finishedMs: number,
    trace: RunTrace | null,
  ): void {
    const host = this.host;
    task.failures++;
    let retrying = false;
    try {
      if (trace !== null)
        trace.settle(true, error, cancelled === true, host.clock.timestamp());
      this.recorder.failed(
        task,
        due,
        waiter,
        cancelled === true,
        error,
        startedMs,
        finishedMs,
      );
      // A retry is scheduled: it logs this try's failure and keeps the waiter.
      retrying =
        task.policies !== null &&
        host.runPolicies.failed(
          task,
          due,
          waiter,
          cancelled === true,
          error,
          trace,
        );
    } catch (thrown) {
      // What the run threw broke a report (a tracer's recordException, say):
      // the waiter and the task's next runs must not hang on it.
      host.reportError(thrown);
    }
    try {
      // The waiter first: nothing reported after it can leave it hanging.
      if (waiter !== null && !retrying) waiter.reject(error);
      if (retrying) {
        // logged by the retry policy
      } else if (cancelled === true)
        host.logger.warn(taskFailed(task.name, error));
      else host.logger.error(taskFailed(task.name, error), stackOf(error));
      if (host.events.observed)
        host.events.emit('failed', task, due, error, undefined, waiter);
    } catch (thrown) {
      // A logger or an observer threw: the schedule must go on regardless.
      host.reportError(thrown);
    }
    host.afterRun(task);
  }
}
