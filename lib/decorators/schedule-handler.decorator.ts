import { AIOCLOCK_SCHEDULE_HANDLER } from '../aioclock.constants';
import {
  inTask,
  instanceMethodsOnly,
  invalidParameter,
  methodsOnly,
} from '../aioclock.messages';
import { AioClockError } from '../errors/aioclock.error';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import { taskLabel } from './task-decorator';

/** What `@ScheduleHandler` keeps on a method. */
export interface ScheduleHandlerMetadata {
  /** The handler name given, if any (else `Class.method`). */
  readonly name?: string;
}

/**
 * Marks a provider method that runs durable schedules: it is called with
 * `(payload, ctx)` for each due time of every schedule naming it
 * (`registry.upsertSchedule({ id, handler, trigger, payload })`).
 * @param name the handler's name, which schedules refer to. @default 'Class.method'
 * @example `@ScheduleHandler('reports.send') send(payload: { customer: string }, ctx: TaskContext) {}`
 */
export function ScheduleHandler(name?: string): MethodDecorator {
  return (target, key, descriptor) => {
    const label = taskLabel(target, key);
    if (typeof descriptor?.value !== 'function')
      throw new AioClockError(inTask(label, methodsOnly('ScheduleHandler')));
    if (typeof target === 'function' || typeof key === 'symbol')
      throw new AioClockError(
        inTask(label, instanceMethodsOnly('ScheduleHandler')),
      );
    if (name !== undefined && (typeof name !== 'string' || name.trim() === ''))
      throw new InvalidTriggerError(
        inTask(label, invalidParameter('name', name, 'a non-empty string')),
        'name',
        name,
      );
    const metadata: ScheduleHandlerMetadata =
      name === undefined ? {} : { name };
    Reflect.defineMetadata(AIOCLOCK_SCHEDULE_HANDLER, metadata, target, key);
    return descriptor;
  };
}

/**
 * The `@ScheduleHandler` metadata of `key` on `prototype` itself, or `undefined`.
 * @param prototype the prototype that owns the method
 * @param key the method's name
 */
export function getScheduleHandlerMetadata(
  prototype: object,
  key: string | symbol,
): ScheduleHandlerMetadata | undefined {
  return Reflect.getOwnMetadata(AIOCLOCK_SCHEDULE_HANDLER, prototype, key) as
    ScheduleHandlerMetadata | undefined;
}
