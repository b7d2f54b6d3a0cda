import type { AtParams } from '../interfaces/trigger-params.interface';
import type { TaskOptions } from '../interfaces/task-options.interface';
import {
  createTaskDecorator,
  paramsProblem,
  type TaskDecorator,
} from './task-decorator';

/**
 * Runs the method at a wall-clock time in a zone, every day or on one weekday.
 * @param params `second`, `minute`, `hour` (default 0), `at` (default `'every day'`), `tz` (default the module's zone)
 * @param options task name, timeout, overlap policy, enabled
 * @example `@At({ hour: 9, at: 'every monday', tz: 'Europe/Berlin' })`
 */
export function At(
  params: AtParams = {},
  options?: TaskOptions,
): TaskDecorator {
  return createTaskDecorator(
    'At',
    { ...params, type: 'at' },
    options,
    paramsProblem(
      'At',
      params,
      ['type'],
      'an object like { hour: 9, minute: 30 }',
    ),
  );
}
