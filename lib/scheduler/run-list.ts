import type { Run } from './task-state';

/**
 * The runs in flight, as an intrusive doubly linked list through
 * `Run.prev` / `Run.next`: adding and removing a run are a few pointer
 * writes, with no hashing and no allocation (a `Set` does both, on every run).
 */
export class RunList {
  private head: Run | null = null;
  private tail: Run | null = null;
  private count = 0;

  /** How many runs are in flight. */
  get size(): number {
    return this.count;
  }

  /** Appends a run that is not in the list. */
  add(run: Run): void {
    run.prev = this.tail;
    run.next = null;
    if (this.tail === null) this.head = run;
    else this.tail.next = run;
    this.tail = run;
    this.count++;
  }

  /** Removes a run that is in the list. */
  delete(run: Run): void {
    const { prev, next } = run;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    run.prev = null;
    run.next = null;
    this.count--;
  }

  /** The runs, oldest first, as a new array (so the list may change while it is used). */
  toArray(): Run[] {
    const runs: Run[] = [];
    for (let run = this.head; run !== null; run = run.next) runs.push(run);
    return runs;
  }
}
