import type { DeclaredTask } from '../coordination/coordinator.interface';
import type { TaskState } from './task-state';

/** Triggers whose due times are claimed, so a durable coordinator assigns them an owner. */
const TIMED_TRIGGERS = new Set(['every', 'at', 'cron', 'or']);

/**
 * The timed tasks this replica schedules and may own under a durable
 * coordinator: enabled ones (with their group) whose due times are claimed.
 * Computed from the live tasks, so tasks added or removed at run time and
 * durable schedules are declared like decorated ones.
 * @param tasks the scheduler's tasks
 * @param isEnabled the scheduler's check (task, group and scheduler enabled)
 */
export function declaredTasks(
  tasks: Iterable<TaskState>,
  isEnabled: (task: TaskState) => boolean,
): DeclaredTask[] {
  const declared: DeclaredTask[] = [];
  for (const task of tasks) {
    if (!TIMED_TRIGGERS.has(task.def.trigger.type) || !isEnabled(task))
      continue;
    const entry: DeclaredTask = {
      name: task.name,
      maxLoopCount: task.maxLoops,
      overlap: task.overlap,
    };
    const loopsFrom = task.claim?.loopsFrom ?? 0;
    if (loopsFrom !== 0) entry.loopsFrom = loopsFrom;
    declared.push(entry);
  }
  return declared;
}
