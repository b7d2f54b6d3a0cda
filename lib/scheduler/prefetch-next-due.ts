import type { Trigger } from '../triggers/trigger';
import type { TaskState } from './task-state';
import { type DueBucket, NOT_QUEUED } from './timer-queue';

/**
 * Once the runs of a due time have started: asks each trigger for the due
 * time after the one it just queued, so that a trigger that computes (a
 * cron expression: tens of µs, more while that code is still cold) does it
 * now and has it memoised when the next due time comes, instead of making
 * every run of that due time wait for it. Triggers are shared between tasks
 * with the same parameters, so this is one call per trigger in a row of
 * tasks; triggers that count their runs (`receipt`) are never asked ahead.
 * @param tasks the tasks of the due time just fired
 */
export function prefetchNextDue(tasks: DueBucket<TaskState>): void {
  let last: Trigger | null = null;
  for (let i = 0; i < tasks.size; i++) {
    const { trigger, queuedDue } = tasks.item(i);
    if (trigger === last || queuedDue === NOT_QUEUED) continue;
    last = trigger;
    if (trigger.receipt !== undefined) continue;
    try {
      trigger.next(queuedDue);
    } catch {
      // Only a trigger bug can land here; its own call reports it.
    }
  }
}
