import { ConsoleLogger } from '@nestjs/common';

/**
 * A replica's Nest logger (errors only) that counts what it logs: the bench
 * counts failed runs and failed claims from the errors the scheduler logs,
 * not from `events$` — a subscriber makes every run emit its events, which
 * the benches do not mean to measure.
 */
export function errorCountingLogger(): {
  logger: ConsoleLogger;
  errors: () => number;
} {
  let errors = 0;
  const logger = new ConsoleLogger({ logLevels: ['error'] });
  const logError = logger.error.bind(logger);
  logger.error = (...args: Parameters<ConsoleLogger['error']>) => {
    errors++;
    logError(...args);
  };
  return { logger, errors: () => errors };
}
