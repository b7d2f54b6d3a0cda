import {
  DEFAULT_ENABLED,
  DEFAULT_SHUTDOWN_TIMEOUT,
} from '../aioclock.constants';
import { AioClockError } from '../errors/aioclock.error';
import type { AioClockOptions } from '../interfaces/aioclock-options.interface';
import { isValidTimeZone } from '../triggers/zoned-time';
import {
  boolean,
  checkOptions,
  nonNegativeMs,
  type OptionCheck,
  type OptionTable,
} from './option-rules';

// AioClockOptions (forRoot / forRootAsync): its defaults and its rules.

/** Defaults of `AioClockOptions`; `timeZone` defaults to the process's own zone, `coordinator` to none. */
export const MODULE_OPTION_DEFAULTS = {
  enabled: DEFAULT_ENABLED,
  shutdownTimeout: DEFAULT_SHUTDOWN_TIMEOUT,
} as const;

const timeZone: OptionCheck = (value) =>
  isValidTimeZone(value)
    ? undefined
    : 'an IANA time zone such as "Europe/Berlin" or "UTC"';

const coordinator: OptionCheck = (value) =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Record<string, unknown>).claim === 'function' &&
  typeof (value as Record<string, unknown>).lease === 'function' &&
  typeof (value as Record<string, unknown>).release === 'function'
    ? undefined
    : 'a Coordinator such as new RedisCoordinator({ client })';

/** The rules of `AioClockOptions`. */
export const MODULE_OPTION_TABLE: OptionTable<AioClockOptions> = {
  rules: {
    timeZone,
    enabled: boolean,
    shutdownTimeout: nonNegativeMs,
    coordinator,
    openTelemetry: (value) =>
      value === true || value === false || value === 'auto'
        ? undefined
        : "true, false or 'auto'",
  },
  error: (message) => new AioClockError(message),
};

/**
 * Checks `forRoot` / `forRootAsync` options; runs at init, so a bad option fails bootstrap.
 * @throws AioClockError naming `AioClockModule`, the option and the bad value
 */
export function validateModuleOptions(
  options: AioClockOptions | undefined,
): void {
  checkOptions('AioClockModule', options, MODULE_OPTION_TABLE);
}
