import { AioClockError } from './aioclock.error';

/**
 * A trigger or task option that cannot be scheduled: an unknown key, a value
 * out of range, an invalid cron expression or time zone, an empty `@OrTrigger`,
 * two trigger decorators on one method, or a duplicate task name.
 * Thrown at decoration time or at bootstrap, never at run time.
 */
export class InvalidTriggerError extends AioClockError {
  /**
   * @param message what is wrong, naming the parameter and the bad value
   *   (and, once known, the task as `Class.method`)
   * @param parameter the offending parameter, e.g. `hour`
   * @param value the offending value as given
   */
  constructor(
    message: string,
    readonly parameter?: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}
