import { AioClockError } from './aioclock.error';

/**
 * `backfill` refused its range: a bound that is no date, a reversed range, a
 * range reaching into the future, too many due times, or a task without due
 * times. Nothing was fired.
 */
export class InvalidBackfillError extends AioClockError {
  /**
   * @param message what is wrong, naming the task and the bad value
   * @param taskName the task asked for
   * @param value the offending value as given
   */
  constructor(
    message: string,
    readonly taskName: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}
