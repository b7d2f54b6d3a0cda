/** Injection token of the options given to `AioClockHttpModule.register`. */
export const AIOCLOCK_HTTP_OPTIONS = 'aioclock:http-options';

/** Default for `AioClockHttpOptions.path`. */
export const DEFAULT_HTTP_PATH = 'aioclock';

/** Default for `AioClockHttpOptions.historySize`. */
export const DEFAULT_HISTORY_SIZE = 30;

/** How often the dashboard polls for fresh state, in ms. */
export const DASHBOARD_REFRESH_MS = 2_000;
