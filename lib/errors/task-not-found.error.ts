import { AioClockError } from './aioclock.error';
import { taskNotFound } from '../aioclock.messages';

/** No task is registered under the given name. */
export class TaskNotFoundError extends AioClockError {
  /** @param taskName the name that was looked up */
  constructor(readonly taskName: string) {
    super(taskNotFound(taskName));
  }
}
