import { AioClockError } from './aioclock.error';
import { taskBusy } from '../aioclock.messages';

/**
 * A requested run (`runTask`) that the task's overlap policy dropped because
 * a run of the task is already going or waiting; it counts as skipped.
 */
export class TaskBusyError extends AioClockError {
  /**
   * @param taskName the task that was asked to run
   * @param overlap the task's overlap policy that refused the run
   */
  constructor(
    readonly taskName: string,
    readonly overlap: string,
  ) {
    super(taskBusy(taskName, overlap));
  }
}
