/** Options of `AioClockHealthIndicator.isHealthy`. */
export interface AioClockHealthOptions {
  /**
   * How far past its `nextRunAt` a task may be before it counts as overdue
   * (the scheduler's timers have stopped firing, or the event loop is blocked).
   * @default 60000
   */
  overdueMarginMs?: number;
  /**
   * How many failures in a row make a task "repeatedly failing" in the details.
   * Failing tasks are reported, not made unhealthy: a restart rarely fixes them.
   * @default 3
   */
  failureThreshold?: number;
}
