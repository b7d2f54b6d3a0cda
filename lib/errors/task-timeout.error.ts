import { AioClockError } from './aioclock.error';
import { taskTimedOut } from '../aioclock.messages';

/** A run exceeded its `timeout`; its `signal` was aborted and the run counts as failed. */
export class TaskTimeoutError extends AioClockError {
  /**
   * @param taskName the task whose run timed out
   * @param timeoutMs the timeout that was exceeded, in ms
   */
  constructor(
    readonly taskName: string,
    readonly timeoutMs: number,
  ) {
    super(taskTimedOut(taskName, timeoutMs));
  }
}
