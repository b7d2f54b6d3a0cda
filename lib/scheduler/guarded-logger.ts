import type { SchedulerLogger } from './task-definition';

/**
 * The app's logger, made unable to throw: the scheduler reports from places
 * where a throw would leave a `runTask` waiter, `app.init()` or `app.close()`
 * hanging, or escape into a timer. A line the logger cannot take is lost.
 * @param logger where lines go
 */
export function guardedLogger(logger: SchedulerLogger): SchedulerLogger {
  return {
    log(message: string): void {
      try {
        logger.log(message);
      } catch {
        // The logger is broken: nothing left to report to.
      }
    },
    warn(message: string): void {
      try {
        logger.warn(message);
      } catch {
        // As above.
      }
    },
    error(message: string, stack?: string): void {
      try {
        logger.error(message, stack);
      } catch {
        // As above.
      }
    },
  };
}
