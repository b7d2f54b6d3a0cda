import { AioClockError } from './aioclock.error';
import { schedulerStopping } from '../aioclock.messages';

/**
 * A requested run (`runTask`) refused, or dropped before it started, because
 * the application is shutting down.
 */
export class SchedulerStoppingError extends AioClockError {
  /** @param taskName the task that was asked to run */
  constructor(readonly taskName: string) {
    super(schedulerStopping(taskName));
  }
}
