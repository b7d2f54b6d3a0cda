import { taskRemoved } from '../aioclock.messages';
import { AioClockError } from '../errors/aioclock.error';
import type { SchedulerInternals } from './scheduler-internals';
import type { RunRequest, TaskState } from './task-state';

type TaskRemovalsHost = Pick<
  SchedulerInternals,
  'forever' | 'runPolicies' | 'unqueue' | 'maybeFinish' | 'history'
>;

/**
 * `removeTask`: takes a task out so that nothing of it starts any more, and
 * resolves once its last run in flight has ended. Due times are unqueued;
 * jittered starts, a waiting retry, buffered runs and runs waiting for a group
 * slot are dropped (a `runTask` among them rejects); claims still unanswered
 * are ignored when their answer comes. Built once per scheduler.
 */
export class TaskRemovals {
  /** Removed tasks with runs still in flight → who waits for them. */
  private readonly waiting = new Map<TaskState, (() => void)[]>();

  /** @param host the scheduler */
  constructor(private readonly host: TaskRemovalsHost) {}

  /**
   * Stops everything of `task` that has not started; the caller has already
   * taken it out of the scheduler's task list.
   * @returns resolves once no run of the task is in flight
   */
  remove(task: TaskState): Promise<void> {
    const host = this.host;
    task.removed = true;
    task.paused = true;
    task.exhausted = true;
    host.unqueue(task);
    void host.forever.shutDown(task)?.catch(() => undefined);
    const gone = new AioClockError(taskRemoved(task.name));
    const buffer = task.buffer;
    if (buffer !== null)
      for (const request of buffer.drain()) request.waiter?.reject(gone);
    if (task.waiting > 0) this.leaveGroupLine(task, gone);
    const done = new Promise<void>((resolve) => {
      const waiters = this.waiting.get(task);
      if (waiters === undefined) this.waiting.set(task, [resolve]);
      else waiters.push(resolve);
    });
    // Its retry holds a slot as if running: dropping it may finish the task.
    host.runPolicies.cancel(task);
    if (task.finished) this.drained(task);
    else host.maybeFinish(task);
    return done;
  }

  /** The removed task's last run ended (from `maybeFinish`): its records go, who waits wakes. */
  drained(task: TaskState): void {
    this.host.history.forget(task);
    task.releaseTimes();
    const waiters = this.waiting.get(task);
    if (waiters === undefined) return;
    this.waiting.delete(task);
    for (const resolve of waiters) resolve();
  }

  /** Takes the task's runs out of its group's line, keeping the others' order. */
  private leaveGroupLine(task: TaskState, gone: Error): void {
    const line = task.group.waiting;
    const kept: RunRequest[] = [];
    for (const request of line.drain()) {
      if (request.task !== task) {
        kept.push(request);
        continue;
      }
      task.waiting--;
      request.waiter?.reject(gone);
    }
    for (const request of kept) line.push(request);
    task.waitingRequest = null;
  }
}
