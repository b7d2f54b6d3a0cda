import { AioClockError } from '../errors/aioclock.error';
import {
  DEFAULT_HISTORY_SIZE,
  DEFAULT_HTTP_PATH,
} from '../http/aioclock-http.constants';
import type { AioClockHttpOptions } from '../http/aioclock-http-options.interface';
import { checkOptions, type OptionTable } from './option-rules';

// AioClockHttpOptions (AioClockHttpModule.register): its defaults and its
// rules. Checked once at register(), so a typo such as `guard:` cannot
// silently leave the endpoints open.

/** Defaults of `AioClockHttpOptions`. */
export const HTTP_OPTION_DEFAULTS = {
  path: DEFAULT_HTTP_PATH,
  guards: [],
  imports: [],
  historySize: DEFAULT_HISTORY_SIZE,
} as const;

/** The rules of `AioClockHttpOptions`. */
export const HTTP_OPTION_TABLE: OptionTable<AioClockHttpOptions> = {
  rules: {
    // Plain segments only: Nest reads `:`, `*`, `(` and the like as route
    // syntax (a raw PathError at init, or routes nothing can reach).
    path: (value) =>
      typeof value === 'string' &&
      value.split('/').every((segment) => /^[A-Za-z0-9._~-]*$/.test(segment))
        ? undefined
        : "a URL path of plain segments (letters, digits, '.', '_', '~', '-') such as 'aioclock' or 'admin/clock'",
    guards: (value) =>
      Array.isArray(value) && value.every(Boolean)
        ? undefined
        : 'an array of guard classes or instances',
    imports: (value) =>
      Array.isArray(value) ? undefined : 'an array of modules',
    historySize: (value) =>
      Number.isInteger(value) &&
      (value as number) >= 1 &&
      (value as number) <= 1_000
        ? undefined
        : 'an integer from 1 to 1000',
  },
  error: (message) => new AioClockError(message),
};

/**
 * Checks the options of `AioClockHttpModule.register`.
 * @throws AioClockError naming `AioClockHttpModule.register()`, the option and the bad value
 */
export function validateHttpOptions(options: AioClockHttpOptions): void {
  checkOptions('AioClockHttpModule.register()', options, HTTP_OPTION_TABLE);
}
