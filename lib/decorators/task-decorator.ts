import {
  inTask,
  instanceMethodsOnly,
  invalidParameter,
  methodsOnly,
  reservedParameter,
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
 * What was wrong with a decorator's arguments, found when its factory ran
 * and reported where it is used, naming the task: when it is applied, or
 * when the registry is given it (`triggerSpecOf`).
 */
const problems = new WeakMap<object, InvalidTriggerError>();

/** The problem found in `trigger`'s arguments, if it is a decorator with one. */
export function decoratorProblem(
  trigger: unknown,
): InvalidTriggerError | undefined {
  return typeof trigger === 'function' ? problems.get(trigger) : undefined;
}

/**
 * What is wrong with a decorator's `params`, if anything: not an object
 * (`At(null)` would silently mean midnight), or naming a key the decorator
 * sets itself (spread over its spec, `Every({ type: 'forever' })` would
 * silently change what it schedules).
 * @param expected what `params` should look like, for the message
 * @returns the error to report when the decorator is used, or `undefined`
 */
export function paramsProblem(
  decoratorName: string,
  params: unknown,
  reserved: readonly string[],
  expected: string,
): InvalidTriggerError | undefined {
  if (params === undefined) return undefined;
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    return new InvalidTriggerError(
      invalidParameter(`${decoratorName}() params`, params, expected),
      'params',
      params,
    );
  for (const key of reserved) {
    const value = (params as Record<string, unknown>)[key];
    if (
      Object.prototype.hasOwnProperty.call(params, key) &&
      value !== undefined
    )
      return new InvalidTriggerError(
        reservedParameter(decoratorName, key, value),
        key,
        value,
      );
  }
  return undefined;
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
  problem?: InvalidTriggerError,
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
    if (typeof target === 'function' || typeof key === 'symbol')
      throw new AioClockError(inTask(task, instanceMethodsOnly(decoratorName)));
    if (problem !== undefined) throw prefixed(task, problem);
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
    validateTaskOptions(task, options, spec.type);
    setTaskMetadata(target, key, metadata);
    return descriptor;
  }) as TaskDecorator;
  Object.defineProperties(decorator, {
    spec: { value: spec, enumerable: true },
    options: { value: options, enumerable: true },
    decoratorName: { value: decoratorName, enumerable: true },
  });
  if (problem !== undefined) problems.set(decorator, problem);
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
