import { scheduleNotFound } from '../aioclock.messages';
import { AioClockError } from './aioclock.error';

/** No durable schedule has the given id. */
export class ScheduleNotFoundError extends AioClockError {
  /** @param scheduleId the id that was looked up */
  constructor(readonly scheduleId: string) {
    super(scheduleNotFound(scheduleId));
  }
}
