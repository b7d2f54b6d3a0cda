/** Metadata key under which a trigger decorator stores its `{ spec, options }` for a method (on the declaring prototype and the method's name). */
export const AIOCLOCK_TASK = 'aioclock:task';

/** Injection token of the group options a feature module gives `AioClockModule.forFeature`. */
export const AIOCLOCK_GROUP_OPTIONS = 'aioclock:group-options';
/** Provider of each `forRoot`/`forRootAsync` import: a symbol telling that import apart from the others. */
export const AIOCLOCK_IMPORT_ID = 'aioclock:import-id';

/** Logger context of every line the module writes. */
export const AIOCLOCK_LOGGER_CONTEXT = 'AioClock';

/** Default for `AioClockOptions.shutdownTimeout`, in ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;

/** Default for `AioClockOptions.enabled`. */
export const DEFAULT_ENABLED = true;

/** Default of `AioClockOptions.openTelemetry`: instrument runs when an SDK is registered. */
export const DEFAULT_OPEN_TELEMETRY = 'auto';

/** Default for `TaskOptions.overlap`. */
export const DEFAULT_OVERLAP = 'skip';

/** The overlap policies `TaskOptions.overlap` accepts. */
export const OVERLAP_POLICIES = [
  'skip',
  'bufferOne',
  'bufferAll',
  'cancelOther',
  'allow',
] as const;

/** Default for `TaskOptions.catchUp`: the most recent missed due time runs once. */
export const DEFAULT_CATCH_UP = 'latest';

/** The policies `TaskOptions.catchUp` accepts. */
export const CATCH_UP_POLICIES = ['none', 'latest', 'all'] as const;

/** Default for `TaskOptions.catchUpWindow`: a day, in ms. */
export const DEFAULT_CATCH_UP_WINDOW_MS = 86_400_000;

/** The process's own IANA zone: the default `timeZone`. */
export function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Metadata key of `@ScheduleHandler` (its handler name). */
export const AIOCLOCK_SCHEDULE_HANDLER = 'aioclock:schedule-handler';

/** The scheduler task of durable schedule `id` is named `schedule:<id>`; `addTask` refuses the prefix. */
export const SCHEDULE_TASK_PREFIX = 'schedule:';
