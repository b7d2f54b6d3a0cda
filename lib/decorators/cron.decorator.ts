import type { CronParams } from '../interfaces/trigger-params.interface';
import type { TaskOptions } from '../interfaces/task-options.interface';
import {
  createTaskDecorator,
  paramsProblem,
  type TaskDecorator,
} from './task-decorator';

/**
 * Runs the method at the next match of a cron expression, strictly after now.
 * @param expression 5 fields, or 6 with seconds first (`'0 9 * * 1-5'`, `'*\/10 * * * * *'`, `'@daily'`),
 *   or `{ cron, tz?, maxLoopCount? }`
 * @param options task name, timeout, overlap policy, enabled
 */
export function Cron(
  expression: string | CronParams,
  options?: TaskOptions,
): TaskDecorator {
  // Anything but a `{ cron }` object is taken as the expression, so a bad value
  // (a number, an array) is reported as `invalid cron: <value>`.
  const isParams =
    typeof expression === 'object' &&
    expression !== null &&
    !Array.isArray(expression);
  const params = isParams ? expression : { cron: expression as string };
  return createTaskDecorator(
    'Cron',
    { ...params, type: 'cron' },
    options,
    paramsProblem(
      'Cron',
      params,
      ['type'],
      "an expression like '0 9 * * *' or { cron: '0 9 * * *' }",
    ),
  );
}
