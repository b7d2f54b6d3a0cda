import {
  CATCH_UP_POLICIES,
  DEFAULT_CATCH_UP,
  DEFAULT_CATCH_UP_WINDOW_MS,
  DEFAULT_ENABLED,
  DEFAULT_OVERLAP,
  OVERLAP_POLICIES,
  SCHEDULE_TASK_PREFIX,
} from '../aioclock.constants';
import { invalidOption, optionNotForTrigger } from '../aioclock.messages';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import type {
  RetryBackoffOptions,
  RetryOptions,
  TaskOptions,
} from '../interfaces/task-options.interface';
import {
  boolean,
  checkOptions,
  nonEmptyString,
  nonNegativeMs,
  oneOf,
  positiveInteger,
  positiveMs,
  type OptionCheck,
  type OptionTable,
} from './option-rules';

// TaskOptions (every trigger decorator's last argument): its defaults and its
// rules. `name` defaults to 'Class.method', `timeout` to the group's.

/** Defaults of `TaskOptions`. */
export const TASK_OPTION_DEFAULTS = {
  overlap: DEFAULT_OVERLAP,
  enabled: DEFAULT_ENABLED,
  catchUp: DEFAULT_CATCH_UP,
  catchUpWindow: DEFAULT_CATCH_UP_WINDOW_MS,
} as const;

/**
 * Options that act on due times, for the trigger kinds that have none: a
 * `@Forever` loop, and the startup and shutdown tasks that run once at a
 * moment of the app's life. Given there they would do nothing, so they are
 * refused rather than silently ignored.
 */
const DUE_TIME_OPTIONS = [
  'startAt',
  'endAt',
  'jitter',
  'retry',
  'catchUp',
  'catchUpWindow',
] as const satisfies readonly (keyof TaskOptions)[];
const OPTIONS_WITHOUT_DUE_TIMES: Readonly<
  Record<string, readonly (keyof TaskOptions)[] | undefined>
> = {
  forever: DUE_TIME_OPTIONS,
  startup: [...DUE_TIME_OPTIONS, 'pauseOnFailure'],
  shutdown: [...DUE_TIME_OPTIONS, 'pauseOnFailure'],
};

/**
 * An ISO 8601 date, or date and time with an optional offset (what
 * `toISOString()` and `JSON` write; up to nanoseconds, as Python's
 * `isoformat()`, PostgreSQL and Go write, kept to the ms). `Date.parse` alone takes far more and
 * makes up dates: 'foo 12' is 1 Dec 2001, '2025-02-30' is 2 March.
 */
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** Epoch ms of a `startAt` / `endAt` value, NaN when it is no valid Date or ISO 8601 string. */
export function dateOptionMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return NaN;
  const fields = ISO_DATE.exec(value);
  if (fields === null) return NaN;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = fields;
  const daysInMonth = new Date(Date.UTC(+year, +month, 0)).getUTCDate();
  if (+month < 1 || +month > 12 || +day < 1 || +day > daysInMonth) return NaN;
  if (+hour > 23 || +minute > 59 || +second > 59) return NaN;
  return Date.parse(value);
}

const dateLike: OptionCheck = (value) =>
  Number.isFinite(dateOptionMs(value))
    ? undefined
    : "a valid Date or ISO 8601 string, e.g. '2025-01-01T00:00:00Z'";

const endAtRule: OptionCheck = (value, options) => {
  const wrong = dateLike(value, options);
  if (wrong !== undefined) return wrong;
  const start = dateOptionMs(options.startAt);
  return dateOptionMs(value) < start
    ? `an instant at or after startAt (${new Date(start).toISOString()})`
    : undefined;
};

const plainObject =
  (example: string): OptionCheck =>
  (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? undefined
      : `an object like ${example}`;

const fraction: OptionCheck = (value) =>
  typeof value === 'number' && value >= 0 && value <= 1
    ? undefined
    : 'a number from 0 to 1';

// Not a timer: a window may be longer than the timer limit (weeks).
const windowMs: OptionCheck = (value) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0
    ? undefined
    : 'a finite number of milliseconds > 0';

const taskError = (message: string, option: string, value: unknown) =>
  new InvalidTriggerError(message, option, value);

/** Nested tables name their keys with the path, e.g. `retry.attempts`. */
const nested =
  (prefix: string) =>
  (owner: string, option: string, value: unknown, expected: string) =>
    invalidOption(owner, `${prefix}.${option}`, value, expected);

/** The rules of `TaskOptions.retry`. */
export const RETRY_OPTION_TABLE: OptionTable<RetryOptions> = {
  rules: {
    attempts: positiveInteger,
    backoff: plainObject("{ type: 'fixed', delayMs: 1000 }"),
  },
  required: ['attempts'],
  error: taskError,
  invalid: nested('retry'),
};

/** The rules of `TaskOptions.retry.backoff`. */
export const BACKOFF_OPTION_TABLE: OptionTable<RetryBackoffOptions> = {
  rules: {
    type: oneOf(['fixed', 'exponential']),
    delayMs: nonNegativeMs,
    maxDelayMs: (value, options) =>
      nonNegativeMs(value, options) ??
      (typeof options.delayMs === 'number' &&
      (value as number) < options.delayMs
        ? `a number of milliseconds >= delayMs (${options.delayMs})`
        : undefined),
    jitter: fraction,
  },
  required: ['type', 'delayMs'],
  error: taskError,
  invalid: nested('retry.backoff'),
};

/** A task's own name: not empty, and not in the durable schedules' namespace. */
const taskName: OptionCheck = (value, given) =>
  nonEmptyString(value, given) ??
  ((value as string).startsWith(SCHEDULE_TASK_PREFIX)
    ? `a name not starting with "${SCHEDULE_TASK_PREFIX}" (reserved for durable schedules)`
    : undefined);

/** The rules of `TaskOptions`. */
export const TASK_OPTION_TABLE: OptionTable<TaskOptions> = {
  rules: {
    name: taskName,
    timeout: positiveMs,
    overlap: oneOf(OVERLAP_POLICIES),
    enabled: boolean,
    retry: plainObject('{ attempts: 3 }'),
    jitter: nonNegativeMs,
    startAt: dateLike,
    endAt: endAtRule,
    pauseOnFailure: positiveInteger,
    catchUp: oneOf(CATCH_UP_POLICIES),
    catchUpWindow: windowMs,
  },
  error: taskError,
};

/**
 * Checks a decorator's `TaskOptions`.
 * @param task `Class.method`, named in the error
 * @throws InvalidTriggerError naming the task, the option and the bad value
 */
export function validateTaskOptions(
  task: string,
  options: TaskOptions | undefined,
  triggerType?: unknown,
): void {
  checkOptions(task, options, TASK_OPTION_TABLE);
  const unused = OPTIONS_WITHOUT_DUE_TIMES[triggerType as string];
  if (unused !== undefined && options !== undefined)
    for (const option of unused)
      if (options[option] !== undefined)
        throw new InvalidTriggerError(
          optionNotForTrigger(task, option, triggerType as string),
          option,
          options[option],
        );
  const retry = options?.retry;
  if (retry === undefined) return;
  checkOptions(task, retry, RETRY_OPTION_TABLE);
  // No backoff: tries follow each other at once (README: "no delay").
  if (retry.backoff !== undefined)
    checkOptions(task, retry.backoff, BACKOFF_OPTION_TABLE);
}
