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

// A WeakMap keyed by the method function, not reflect-metadata: its per-target
// Maps cost ~580 B per decorated method (measured), an entry here ~25 B.
// Kept on globalThis under a registered symbol so that, like reflect-metadata's
// store, it is one per process even if two copies of the library are loaded.
const STORE_KEY = Symbol.for(AIOCLOCK_TASK);
const store: WeakMap<object, TaskMetadata> = ((
  globalThis as Record<symbol, unknown>
)[STORE_KEY] ??= new WeakMap()) as WeakMap<object, TaskMetadata>;

/**
 * The metadata a trigger decorator stored on this very function (not one up its
 * prototype chain), or `undefined`.
 * @param method a method function (anything else has none)
 */
export function getTaskMetadata(method: unknown): TaskMetadata | undefined {
  return typeof method === 'function' ? store.get(method) : undefined;
}

/**
 * Stores a trigger decorator's metadata on a method function.
 * @param method the decorated method
 * @param metadata what the decorator keeps
 */
export function setTaskMetadata(method: object, metadata: TaskMetadata): void {
  store.set(method, metadata);
}
