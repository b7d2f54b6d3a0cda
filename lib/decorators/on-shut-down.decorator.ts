import type { TaskOptions } from '../interfaces/task-options.interface';
import { createTaskDecorator, type TaskDecorator } from './task-decorator';

/**
 * Runs the method once at shutdown, after every other task has stopped.
 * @param options task name, timeout, enabled
 */
export function OnShutDown(options?: TaskOptions): TaskDecorator {
  return createTaskDecorator('OnShutDown', { type: 'shutdown' }, options);
}
