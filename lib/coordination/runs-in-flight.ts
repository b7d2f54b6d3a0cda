/** The longest a leaving replica keeps its runs' marks alive, in ms. */
export const LEAVING_RUNS_MAX_MS = 60_000;

/**
 * The tasks whose running mark (cluster-wide overlap) this replica holds,
 * and a way to wait until it holds none: a leaving replica keeps its marks
 * renewed and listens for `cancelOther`'s cancels until then.
 */
export class RunsInFlight {
  private readonly tasks = new Set<string>();
  private waiters: (() => void)[] = [];

  /** Claims sent per task, not answered yet (only those that mark). */
  private readonly claiming = new Map<string, number>();
  /** Tasks whose end came while a claim of theirs was in flight. */
  private readonly endDeferred = new Set<string>();

  /** How many tasks have a run in flight here. */
  get size(): number {
    return this.tasks.size;
  }

  /**
   * A claim of `task` that marks its run was sent. Its answer may mark a new
   * run, so the end of the previous one waits for it: sent first, the end
   * would free the mark the claim has just renewed for the next run.
   */
  claimSent(task: string): void {
    this.claiming.set(task, (this.claiming.get(task) ?? 0) + 1);
  }

  /**
   * A claim sent with `claimSent` was answered (or failed).
   * @param won it marked a new run of the task here
   * @returns true when an end waited for it and must be sent now
   */
  claimAnswered(task: string, won: boolean): boolean {
    const left = (this.claiming.get(task) ?? 1) - 1;
    if (left > 0) this.claiming.set(task, left);
    else this.claiming.delete(task);
    if (won) {
      this.tasks.add(task);
      this.endDeferred.delete(task);
      return false;
    }
    return left === 0 && this.endDeferred.delete(task) && this.delete(task);
  }

  /** A run of `task` holds its mark here. */
  has(task: string): boolean {
    return this.tasks.has(task);
  }

  /** A claim not announced with `claimSent` marked a run of `task` here. */
  claimWon(task: string): void {
    this.tasks.add(task);
  }

  /**
   * The scheduler's last run of `task` here ended.
   * @returns true when its mark must be freed now (false: none, or a claim's answer decides)
   */
  ended(task: string): boolean {
    if (!this.tasks.has(task)) return false;
    if ((this.claiming.get(task) ?? 0) > 0) {
      this.endDeferred.add(task);
      return false;
    }
    return this.delete(task);
  }

  private delete(task: string): boolean {
    if (!this.tasks.delete(task)) return false;
    if (this.tasks.size === 0 && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
    return true;
  }

  /** The tasks with a run in flight here. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.tasks.values();
  }

  /**
   * A leaving replica stops heartbeating, yet its runs in flight must stay
   * marked until they end (else another owner could start meanwhile): calls
   * `renew` every `everyMs` until none is in flight or `until` settles, at
   * most `maxMs`.
   * @returns resolves when that is over
   */
  renewUntilDrained(
    renew: () => void,
    everyMs: number,
    maxMs: number,
    until: Promise<void>,
  ): Promise<void> {
    const over = Promise.race([this.drained(maxMs), until]);
    if (this.tasks.size === 0) return over;
    const timer = setInterval(renew, everyMs);
    timer.unref();
    return over.finally(() => clearInterval(timer));
  }

  /**
   * Resolves once no run is in flight here, or after `maxMs` (when the marks
   * expire anyway); the timer never keeps the process alive.
   */
  drained(maxMs: number): Promise<void> {
    if (this.tasks.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }
}
