/**
 * The periodic check that makes a replica's durable schedules converge when
 * a change notice is lost while its subscription still looks live (a
 * half-open connection, a LISTEN session gone quiet, a replay that failed
 * after a reconnect): without it the replica would keep the old form of a
 * schedule until its next change. Every `periodMs`, `check` runs once (never
 * two at a time); the check is one read of the store's last change number,
 * and a replay of the log only when that is ahead of what the replica heard.
 * Cold path: a plain timer (it waits on a backend, not on the scheduler's
 * time), unref'd so it never holds a process open.
 */
export class ScheduleResync {
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  /**
   * @param periodMs how often to check; 0 or less: never
   * @param check the check; its failure waits for the next period
   */
  constructor(
    private readonly periodMs: number,
    private readonly check: () => Promise<void>,
  ) {}

  /** Starts checking (idempotent). */
  start(): void {
    if (this.timer !== null || !(this.periodMs > 0)) return;
    this.timer = setInterval(() => this.tick(), this.periodMs);
    this.timer.unref();
  }

  /** Stops checking; a check in flight ends on its own. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.checking) return;
    this.checking = true;
    this.check()
      .catch(() => undefined)
      .finally(() => {
        this.checking = false;
      });
  }
}
