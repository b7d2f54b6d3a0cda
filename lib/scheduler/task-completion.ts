import type { TaskState } from './task-state';

type DrainedListener = { drained(task: TaskState): void };

/**
 * The end of a task's schedule: once it has no due time left (`exhausted`),
 * it is finished when nothing of it is left — no run in flight or waiting for
 * a group slot, no claim unanswered, nothing buffered, no retry or jitter
 * pending — and a removed task's waiters are told. Asked only for exhausted
 * tasks (the scheduler checks `exhausted` first), so off the dispatch path.
 */
export class TaskCompletion {
  /** @param removals told when a removed task has drained */
  constructor(private readonly removals: DrainedListener) {}

  /** Marks an exhausted task finished if nothing of it is left. */
  finishIfDrained(task: TaskState): void {
    if (
      task.running === 0 &&
      task.waiting === 0 &&
      (task.claim === null || task.claim.pending === 0) &&
      (task.buffer === null || task.buffer.length === 0) &&
      (task.policies === null || task.policies.idle)
    ) {
      task.finished = true;
      if (task.removed) this.removals.drained(task);
    }
  }
}
