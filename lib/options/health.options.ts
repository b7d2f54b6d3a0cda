import { AioClockError } from '../errors/aioclock.error';
import type { AioClockHealthOptions } from '../health/aioclock-health-options.interface';
import {
  checkOptions,
  nonNegativeMs,
  positiveInteger,
  type OptionTable,
} from './option-rules';

// AioClockHealthOptions (AioClockHealthIndicator.isHealthy): its defaults and
// its rules. Nothing here loads @nestjs/terminus.

/** Default for `AioClockHealthOptions.overdueMarginMs`. */
export const DEFAULT_OVERDUE_MARGIN_MS = 60_000;

/** Default for `AioClockHealthOptions.failureThreshold`. */
export const DEFAULT_FAILURE_THRESHOLD = 3;

/** The rules of `AioClockHealthOptions`. */
export const HEALTH_OPTION_TABLE: OptionTable<AioClockHealthOptions> = {
  rules: {
    overdueMarginMs: nonNegativeMs,
    failureThreshold: positiveInteger,
  },
  error: (message) => new AioClockError(message),
};

/**
 * Checks the options of `isHealthy` and fills in the defaults.
 * @throws AioClockError naming `AioClockHealthIndicator.isHealthy()`, the option and the bad value
 */
export function resolveHealthOptions(
  options: AioClockHealthOptions | undefined,
): Required<AioClockHealthOptions> {
  checkOptions(
    'AioClockHealthIndicator.isHealthy()',
    options,
    HEALTH_OPTION_TABLE,
  );
  return {
    overdueMarginMs: options?.overdueMarginMs ?? DEFAULT_OVERDUE_MARGIN_MS,
    failureThreshold: options?.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
  };
}
