import type { EveryParams } from '../interfaces/trigger-params.interface';
import type { TaskOptions } from '../interfaces/task-options.interface';
import {
  createTaskDecorator,
  paramsProblem,
  type TaskDecorator,
} from './task-decorator';

/**
 * Runs the method every interval, at a fixed rate: run k is due at
 * `start + k·interval`, so a slow run never shifts later runs.
 * @param params units that add up (`{ minutes: 1, seconds: 30 }`); `firstRunStrategy` `'wait'` (default) or `'immediate'`
 * @param options task name, timeout, overlap policy, enabled
 * @example `@Every({ seconds: 30 })`
 */
export function Every(
  params: EveryParams,
  options?: TaskOptions,
): TaskDecorator {
  return createTaskDecorator(
    'Every',
    { ...params, type: 'every' },
    options,
    paramsProblem(
      'Every',
      params,
      ['type'],
      'an object of interval units like { seconds: 30 }',
    ),
  );
}
