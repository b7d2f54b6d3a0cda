import type { TaskOptions } from '../interfaces/task-options.interface';
import { createTaskDecorator, type TaskDecorator } from './task-decorator';

/**
 * Runs the method once, right after bootstrap (after every `@OnStartUp` task).
 * @param options task name, timeout, overlap policy, enabled
 */
export function Once(options?: TaskOptions): TaskDecorator {
  return createTaskDecorator('Once', { type: 'once' }, options);
}
