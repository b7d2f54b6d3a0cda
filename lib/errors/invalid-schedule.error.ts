import { AioClockError } from './aioclock.error';

/**
 * A durable schedule that cannot be stored: a bad id, an unknown field, a
 * payload that is not JSON or over 64 KiB, a handler nobody declares (in
 * memory), a trigger of a kind schedules do not take. (A bad trigger
 * parameter is an `InvalidTriggerError` naming the schedule.)
 */
export class InvalidScheduleError extends AioClockError {
  /**
   * @param message what is wrong, naming the schedule id and the bad value
   * @param field the offending field, e.g. `payload`
   * @param value the offending value as given
   */
  constructor(
    message: string,
    readonly field?: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}
