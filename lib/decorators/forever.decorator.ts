import type { ForeverParams } from '../interfaces/trigger-params.interface';
import type { TaskOptions } from '../interfaces/task-options.interface';
import {
  createTaskDecorator,
  paramsProblem,
  type TaskDecorator,
} from './task-decorator';

/**
 * Runs the method back to back for as long as the app runs, yielding to the
 * event loop between runs so it never starves other tasks.
 * @param params `maxLoopCount`: stop after this many runs
 * @param options task name, timeout, overlap policy, enabled
 */
export function Forever(
  params: ForeverParams = {},
  options?: TaskOptions,
): TaskDecorator {
  return createTaskDecorator(
    'Forever',
    { ...params, type: 'forever' },
    options,
    paramsProblem(
      'Forever',
      params,
      ['type'],
      'an object like { maxLoopCount: 3 }',
    ),
  );
}
