import { skipReasons } from '../aioclock.messages';
import { GROUP_WAITING_PER_TASK } from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';
import { RunRequest, type RunWaiter, type TaskState } from './task-state';

type GroupAdmissionHost = Pick<
  SchedulerInternals,
  'budget' | 'skip' | 'startRun' | 'afterRun'
>;

/**
 * A group's `concurrency` cap: a run that finds its group full waits in the
 * group's line, and each run that ends lets the oldest waiting ones start. A
 * group without a cap never reaches this file (the scheduler starts the run
 * itself when a slot is free).
 */
export class GroupAdmission {
  /** @param host the scheduler */
  constructor(private readonly host: GroupAdmissionHost) {}

  /**
   * Puts a run in its full group's line; a scheduled one beyond
   * `GROUP_WAITING_PER_TASK` of its task is skipped instead.
   * @param waiter `null` for a scheduled run
   * @param receipt the trigger's receipt for `due` (scheduled runs)
   */
  wait(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    receipt: unknown,
  ): void {
    // Only an 'allow' task can get here while one of its runs waits (other
    // policies see it busy). Requested runs always wait: someone asked.
    if (waiter === null && task.waiting >= GROUP_WAITING_PER_TASK) {
      this.host.skip(task, due, skipReasons.groupBusy);
      this.host.budget.refund(task, receipt);
      return;
    }
    const request = new RunRequest(task, due, waiter, receipt);
    task.group.waiting.push(request);
    task.waiting++;
    if (task.overlap !== 'allow') task.waitingRequest = request;
  }

  /**
   * A run of `ended` finished: starts waiting runs of its group while slots
   * are free. A scheduled one whose task was paused meanwhile is dropped
   * (skipped as `paused`), and its task's own buffer is looked at next.
   */
  admitWaiting(ended: TaskState): void {
    const group = ended.group;
    const host = this.host;
    while (group.active < group.concurrency && group.waiting.length > 0) {
      const request = group.waiting.shift()!;
      const task = request.task;
      task.waiting--;
      if (task.waitingRequest === request) task.waitingRequest = null;
      if (request.scheduled && task.isPaused) {
        host.skip(task, request.due, skipReasons.paused);
        host.budget.refund(task, request.receipt);
        if (task !== ended) host.afterRun(task);
        continue;
      }
      host.startRun(task, request.due, request.waiter);
    }
  }
}
