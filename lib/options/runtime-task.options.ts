import { SCHEDULE_TASK_PREFIX } from '../aioclock.constants';
import {
  inTask,
  reservedTaskName,
  rescheduleWithOptions,
} from '../aioclock.messages';
import {
  decoratorProblem,
  prefixed,
  type TaskDecorator,
} from '../decorators/task-decorator';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import type { AddTaskOptions } from '../interfaces/runtime-task.interface';
import type { TaskContext } from '../interfaces/task-context.interface';
import type { TaskOptions } from '../interfaces/task-options.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import type { TaskDefinition } from '../scheduler/task-definition';
import {
  checkOptions,
  nonEmptyString,
  type OptionCheck,
  type OptionTable,
} from './option-rules';
import { TASK_OPTION_TABLE, validateTaskOptions } from './task.options';

/** The group of a task added without one. */
export const DEFAULT_ADDED_TASK_GROUP = 'default';

const triggerLike: OptionCheck = (value) =>
  (typeof value === 'function' &&
    typeof (value as Partial<TaskDecorator>).spec === 'object') ||
  (typeof value === 'object' && value !== null && !Array.isArray(value))
    ? undefined
    : "a trigger decorator's result like Every({ seconds: 5 }) or a trigger spec like { type: 'every', seconds: 5 }";

const aFunction: OptionCheck = (value) =>
  typeof value === 'function' ? undefined : 'a function (ctx) => …';

/** The rules of `registry.addTask`'s argument: `TaskOptions` and its own keys. */
export const ADD_TASK_OPTION_TABLE: OptionTable<AddTaskOptions> = {
  rules: {
    ...TASK_OPTION_TABLE.rules,
    name: nonEmptyString,
    trigger: triggerLike,
    run: aFunction,
    group: nonEmptyString,
  } as OptionTable<AddTaskOptions>['rules'],
  required: ['name', 'trigger', 'run'],
  error: (message, option, value) =>
    new InvalidTriggerError(message, option, value),
};

/**
 * A trigger given as a decorator's result or as a spec, as a spec.
 * @param owner the task or schedule it is for, named by the error
 * @throws InvalidTriggerError when the decorator was given arguments it cannot take
 */
export function triggerSpecOf(
  trigger: TaskDecorator | TriggerSpec,
  owner: string,
): {
  spec: TriggerSpec;
  options: TaskOptions;
} {
  const problem = decoratorProblem(trigger);
  if (problem !== undefined) throw prefixed(owner, problem);
  if (typeof trigger === 'function')
    return { spec: trigger.spec, options: trigger.options ?? {} };
  return { spec: trigger, options: {} };
}

/**
 * `registry.reschedule`'s trigger: a decorator's result may not carry task
 * options, which a new trigger does not change (they would be dropped).
 * @throws InvalidTriggerError naming the task and the options
 */
export function rescheduleSpecOf(
  task: string,
  trigger: TaskDecorator | TriggerSpec,
): TriggerSpec {
  const { spec, options } = triggerSpecOf(trigger, task);
  const keys = Object.keys(options);
  if (keys.length > 0)
    throw new InvalidTriggerError(
      inTask(task, rescheduleWithOptions(keys)),
      'trigger',
      options,
    );
  return spec;
}

/**
 * Checks `registry.addTask`'s argument as a decorator's are checked, and
 * makes the task's definition (the trigger itself is checked when added).
 * @throws InvalidTriggerError naming the task (or `registry.addTask` without a name), the option and the bad value
 */
export function addedTaskDefinition(input: AddTaskOptions): TaskDefinition {
  const name = (input as { name?: unknown } | null)?.name;
  const owner =
    typeof name === 'string' && name.trim() !== '' ? name : 'registry.addTask';
  checkOptions(owner, input, ADD_TASK_OPTION_TABLE);
  if (input.name.startsWith(SCHEDULE_TASK_PREFIX))
    throw new InvalidTriggerError(
      reservedTaskName(input.name, SCHEDULE_TASK_PREFIX),
      'name',
      input.name,
    );
  const { name: _name, trigger, run, group, ...given } = input;
  const fromTrigger = triggerSpecOf(trigger, input.name);
  const options: TaskOptions = { ...fromTrigger.options, ...given };
  delete options.name;
  validateTaskOptions(input.name, options, fromTrigger.spec?.type);
  return {
    ...options,
    name: input.name,
    group: group ?? DEFAULT_ADDED_TASK_GROUP,
    trigger: fromTrigger.spec,
    invoke: (ctx: TaskContext) => run(ctx),
    addedAtRunTime: true,
  };
}
