import type { TaskOptions } from '../interfaces/task-options.interface';
import { createTaskDecorator, type TaskDecorator } from './task-decorator';

/**
 * Runs the method once at bootstrap; every `@OnStartUp` task finishes before
 * any other task fires.
 * @param options task name, timeout, enabled
 */
export function OnStartUp(options?: TaskOptions): TaskDecorator {
  return createTaskDecorator('OnStartUp', { type: 'startup' }, options);
}
