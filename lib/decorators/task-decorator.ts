import {
  inTask,
  methodsOnly,
  twoTriggerDecorators,
} from '../aioclock.messages';
import { AioClockError } from '../errors/aioclock.error';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import type { TaskOptions } from '../interfaces/task-options.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { validateTriggerSpec } from '../triggers/create-trigger';
import { validateTaskOptions } from '../options/task.options';
import {
  getTaskMetadata,
  NO_TASK_OPTIONS,
  setTaskMetadata,
  TaskMetadata,
} from './task-metadata';

/**
 * What every trigger decorator factory returns: a method decorator that also
 * carries its trigger, so it can be passed inside `@OrTrigger([...])`.
 */
export interface TaskDecorator extends MethodDecorator {
  /** The trigger this decorator schedules. */
  readonly spec: TriggerSpec;
  /** The task options given to the factory. */
  readonly options: TaskOptions;
  /** The decorator's name, e.g. `Every`. */
  readonly decoratorName: string;
}

/** `Class.method`, the default task name and how every message names a task. */
export function taskLabel(target: object, key: string | symbol): string {
  const ctor = typeof target === 'function' ? target : target.constructor;
  return `${ctor?.name ?? 'Anonymous'}.${String(key)}`;
}

/**
 * Builds a trigger decorator. Validation happens when the decorator is applied
 * (then the message can name `Class.method`), so a bad trigger fails when the
 * class is defined, long before anything is scheduled.
 */
export function createTaskDecorator(
  decoratorName: string,
  spec: TriggerSpec,
  options: TaskOptions = NO_TASK_OPTIONS,
): TaskDecorator {
  // One metadata object per factory call: a method keeps only a reference to it.
  const metadata = new TaskMetadata(spec, options, decoratorName);
  const decorator = ((
    target: object,
    key: string | symbol,
    descriptor: PropertyDescriptor,
  ) => {
    const task = taskLabel(target, key);
    const method: unknown = descriptor?.value;
    if (typeof method !== 'function') {
      throw new AioClockError(inTask(task, methodsOnly(decoratorName)));
    }
    const existing = getTaskMetadata(target, key);
    if (existing) {
      // Decorators apply bottom-up: the one already there is written below this one.
      throw new InvalidTriggerError(
        twoTriggerDecorators(task, decoratorName, existing.decorator),
      );
    }
    try {
      validateTriggerSpec(spec);
    } catch (error) {
      throw prefixed(task, error);
    }
    validateTaskOptions(task, options);
    setTaskMetadata(target, key, metadata);
    return descriptor;
  }) as TaskDecorator;
  Object.defineProperties(decorator, {
    spec: { value: spec, enumerable: true },
    options: { value: options, enumerable: true },
    decoratorName: { value: decoratorName, enumerable: true },
  });
  return decorator;
}

/** The same error, its message now naming the task. */
export function prefixed(task: string, error: unknown): unknown {
  if (error instanceof InvalidTriggerError) {
    return new InvalidTriggerError(
      inTask(task, error.message),
      error.parameter,
      error.value,
    );
  }
  return error;
}
