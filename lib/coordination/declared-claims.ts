import type { DeclaredTask } from './coordinator.interface';

/** What the claims of one declared task send with them. */
export interface DeclaredClaim {
  /** The task's `maxLoopCount`; 0: none. */
  maxLoops: number;
  /** The task's overlap policy. */
  overlap: string;
}

/** The timed tasks a member declares, by name, with what their claims send. */
export class DeclaredClaims extends Map<string, DeclaredClaim> {
  /** Adds (or updates) `tasks`. */
  add(tasks: readonly DeclaredTask[]): void {
    for (const task of tasks)
      this.set(task.name, {
        maxLoops: task.maxLoopCount ?? 0,
        overlap: task.overlap ?? 'skip',
      });
  }

  /** Replaces every task with `tasks`. */
  replace(tasks: readonly DeclaredTask[]): void {
    this.clear();
    this.add(tasks);
  }
}
