import type { TaskInfo } from '../interfaces/task-info.interface';
import type { TaskState } from './task-state';
import { NOT_QUEUED } from './timer-queue';

/**
 * What `getTasks` / `getTask` show of a task: a fresh object each call,
 * built from the scheduler's state at that moment.
 * @param task the task
 * @param enabled whether the task, its group and the scheduler allow it to fire
 * @param owner the replica owning it
 */
export function taskSnapshot(
  task: TaskState,
  enabled: boolean,
  owner: string | null,
): TaskInfo {
  return {
    name: task.name,
    group: task.group.name,
    trigger: task.def.trigger,
    nextRunAt:
      task.queuedDue !== NOT_QUEUED && !task.isPaused
        ? new Date(task.queuedDue)
        : null,
    lastRunAt: Number.isNaN(task.lastRunAt) ? null : new Date(task.lastRunAt),
    running: task.running > 0,
    runs: task.runs,
    failures: task.failures,
    skipped: task.skipped,
    finished: task.finished,
    paused: task.isPaused,
    enabled,
    owner,
  };
}
