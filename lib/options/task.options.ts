import {
  DEFAULT_ENABLED,
  DEFAULT_OVERLAP,
  OVERLAP_POLICIES,
} from '../aioclock.constants';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import type { TaskOptions } from '../interfaces/task-options.interface';
import {
  boolean,
  checkOptions,
  nonEmptyString,
  oneOf,
  positiveMs,
  type OptionTable,
} from './option-rules';

// TaskOptions (every trigger decorator's last argument): its defaults and its
// rules. `name` defaults to 'Class.method', `timeout` to the group's.

/** Defaults of `TaskOptions`. */
export const TASK_OPTION_DEFAULTS = {
  overlap: DEFAULT_OVERLAP,
  enabled: DEFAULT_ENABLED,
} as const;

/** The rules of `TaskOptions`. */
export const TASK_OPTION_TABLE: OptionTable<TaskOptions> = {
  rules: {
    name: nonEmptyString,
    timeout: positiveMs,
    overlap: oneOf(OVERLAP_POLICIES),
    enabled: boolean,
  },
  error: (message, option, value) =>
    new InvalidTriggerError(message, option, value),
};

/**
 * Checks a decorator's `TaskOptions`.
 * @param task `Class.method`, named in the error
 * @throws InvalidTriggerError naming the task, the option and the bad value
 */
export function validateTaskOptions(
  task: string,
  options: TaskOptions | undefined,
): void {
  checkOptions(task, options, TASK_OPTION_TABLE);
}
