import type { DeclaredTask } from './coordinator.interface';

/** What the claims of one declared task send with them. */
export interface DeclaredClaim {
  /** The task's `maxLoopCount`; 0: none. */
  maxLoops: number;
  /** The task's overlap policy. */
  overlap: string;
  /** Its count of runs starts with the due times from then (`reschedule`); 0: the generation's. */
  loopsFrom: number;
}

/** The timed tasks a member declares, by name, with what their claims send. */
export class DeclaredClaims extends Map<string, DeclaredClaim> {
  /**
   * Adds (or updates) `tasks`.
   * @returns the tasks whose count restarted since (rescheduled here)
   */
  add(tasks: readonly DeclaredTask[]): string[] {
    return this.put(tasks, this);
  }

  /**
   * Replaces every task with `tasks`.
   * @returns the tasks whose count restarted since (rescheduled here)
   */
  replace(tasks: readonly DeclaredTask[]): string[] {
    const before = new Map(this);
    this.clear();
    return this.put(tasks, before);
  }

  private put(
    tasks: readonly DeclaredTask[],
    before: ReadonlyMap<string, DeclaredClaim>,
  ): string[] {
    const restarted: string[] = [];
    for (const task of tasks) {
      const loopsFrom = task.loopsFrom ?? 0;
      if (loopsFrom > (before.get(task.name)?.loopsFrom ?? 0))
        restarted.push(task.name);
      this.set(task.name, {
        maxLoops: task.maxLoopCount ?? 0,
        overlap: task.overlap ?? 'skip',
        loopsFrom,
      });
    }
    return restarted;
  }
}
