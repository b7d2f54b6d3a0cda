import { AIOCLOCK_TASK } from '../aioclock.constants';
import type { TaskOptions } from '../interfaces/task-options.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';

/**
 * What a trigger decorator keeps for a method: one object per decorator
 * factory call (`Every({ seconds: 1 })`), shared by every method that one
 * decorator is applied to.
 */
export class TaskMetadata {
  /**
   * @param spec the validated trigger
   * @param options the task options given to the factory (a shared frozen empty object if none)
   * @param decorator the decorator's name, for error messages (`Every`, `Cron`…)
   */
  constructor(
    readonly spec: TriggerSpec,
    readonly options: TaskOptions,
    readonly decorator: string,
  ) {}
}

/** The options of a decorator given none: one frozen object instead of a new `{}` per method. */
export const NO_TASK_OPTIONS: TaskOptions = Object.freeze({});

// Stored with reflect-metadata under AIOCLOCK_TASK on (the declaring
// prototype, the method's name) — where TypeScript's own design:* metadata
// of a decorated method already lives, so it costs one more entry there — not
// on the method function: decorators that wrap a method replace that function,
// and only some copy its metadata onto the wrapper.

/**
 * The metadata a trigger decorator stored for `key` on `prototype` itself
 * (the class that declares the method, not one up its chain: an undecorated
 * override in a subclass is no task), or `undefined`.
 * @param prototype the prototype that owns the method
 * @param key the method's name
 */
export function getTaskMetadata(
  prototype: object,
  key: string | symbol,
): TaskMetadata | undefined {
  return Reflect.getOwnMetadata(AIOCLOCK_TASK, prototype, key) as
    TaskMetadata | undefined;
}

/**
 * Stores a trigger decorator's metadata for a method.
 * @param prototype the prototype the decorator was applied on
 * @param key the method's name
 * @param metadata what the decorator keeps
 */
export function setTaskMetadata(
  prototype: object,
  key: string | symbol,
  metadata: TaskMetadata,
): void {
  Reflect.defineMetadata(AIOCLOCK_TASK, metadata, prototype, key);
}
