import { pausedOnFailure } from '../aioclock.messages';

/**
 * `pauseOnFailure: n`, per task that has it: counts consecutive runs that
 * failed for good (after their retries; runs the scheduler cancelled do not
 * count) and says when the task must pause itself. `resume` starts afresh.
 * Under a durable coordinator the store's count of the cluster's runs
 * decides (`counted`); this process's own is the fallback when it is not had.
 */
export class PauseOnFailure {
  /** Failed runs in a row: this process's, or the cluster's as last counted. */
  private consecutive = 0;
  /** Why the task paused itself; `null` while it has not. */
  reason: string | null = null;

  /** @param limit the option's value, an integer >= 1 */
  constructor(readonly limit: number) {}

  /**
   * A run failed for good, counted by this process.
   * @returns the reason to pause now (once), else `null`
   */
  failed(task: string, error: unknown): string | null {
    this.consecutive++;
    return this.reached(task, error);
  }

  /**
   * The cluster's failed runs in a row, the one that just failed included
   * (`Coordinator.countFailedRun`): they replace this process's count.
   * @returns the reason to pause now (once), else `null`
   */
  counted(task: string, streak: number, error: unknown): string | null {
    this.consecutive = streak;
    return this.reached(task, error);
  }

  /** A run succeeded: the streak is broken. */
  succeeded(): void {
    this.consecutive = 0;
  }

  /** The task paused itself on another replica, for `reason`. */
  pausedElsewhere(reason: string): void {
    this.reason = reason;
  }

  /** The task was resumed: count from zero, no reason any more. */
  resumed(): void {
    this.consecutive = 0;
    this.reason = null;
  }

  private reached(task: string, error: unknown): string | null {
    if (this.consecutive < this.limit || this.reason !== null) return null;
    this.reason = pausedOnFailure(task, this.consecutive, error);
    return this.reason;
  }
}
