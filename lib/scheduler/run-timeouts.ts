import { TaskTimeoutError } from '../errors/task-timeout.error';
import type { SchedulerInternals } from './scheduler-internals';
import type { Run } from './task-state';

type RunTimeoutsHost = Pick<SchedulerInternals, 'clock' | 'failRun'>;

/**
 * A task's `timeout`: armed for a run that returned a promise (a synchronous
 * run cannot be interrupted), it aborts the run's signal and ends it as
 * timed out. The timer is cleared when the run ends first.
 */
export class RunTimeouts {
  /** @param host the scheduler */
  constructor(private readonly host: RunTimeoutsHost) {}

  /** Arms the run's timeout timer for `timeoutMs`. */
  arm(run: Run, timeoutMs: number): void {
    run.timeoutMs = timeoutMs;
    run.timer = this.host.clock.setTimer(() => this.expire(run), timeoutMs);
  }

  private expire(run: Run): void {
    run.timer = null;
    if (run.done) return;
    const error = new TaskTimeoutError(run.task.name, run.timeoutMs);
    run.context.abort(error);
    this.host.failRun(run, error);
  }
}
