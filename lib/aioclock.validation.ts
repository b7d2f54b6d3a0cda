import { OVERLAP_POLICIES } from './aioclock.constants';
import { invalidOption, unknownOption } from './aioclock.messages';
import { AioClockError } from './errors/aioclock.error';
import { InvalidTriggerError } from './errors/invalid-trigger.error';
import type { AioClockOptions } from './interfaces/aioclock-options.interface';
import type { GroupOptions } from './interfaces/group-options.interface';
import type { TaskOptions } from './interfaces/task-options.interface';
import { isValidTimeZone } from './triggers/zoned-time';

// Every option check lives here, so each option is validated the same way
// wherever it comes from (decorator, forFeature, forRoot or forRootAsync).

type Check = (value: unknown) => string | undefined;
type Rules = Record<string, Check>;

const positiveMs: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0
    ? undefined
    : 'a finite number of milliseconds > 0';
const nonNegativeMs: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0
    ? undefined
    : 'a finite number of milliseconds >= 0';
const boolean: Check = (v) =>
  typeof v === 'boolean' ? undefined : 'true or false';
const nonEmptyString: Check = (v) =>
  typeof v === 'string' && v.trim() !== '' ? undefined : 'a non-empty string';
const positiveInteger: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 1 ? undefined : 'an integer >= 1';
const overlap: Check = (v) =>
  (OVERLAP_POLICIES as readonly unknown[]).includes(v)
    ? undefined
    : OVERLAP_POLICIES.map((p) => `'${p}'`).join(' | ');
const timeZone: Check = (v) =>
  isValidTimeZone(v)
    ? undefined
    : 'an IANA time zone such as "Europe/Berlin" or "UTC"';
const coordinator: Check = (v) =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Record<string, unknown>).claim === 'function' &&
  typeof (v as Record<string, unknown>).lease === 'function' &&
  typeof (v as Record<string, unknown>).release === 'function'
    ? undefined
    : 'a Coordinator such as new RedisCoordinator({ client })';

const TASK_RULES: Rules = {
  name: nonEmptyString,
  timeout: positiveMs,
  overlap,
  enabled: boolean,
};
const GROUP_RULES: Rules = {
  name: nonEmptyString,
  timeout: positiveMs,
  concurrency: positiveInteger,
  enabled: boolean,
};
const MODULE_RULES: Rules = {
  timeZone,
  enabled: boolean,
  shutdownTimeout: nonNegativeMs,
  coordinator,
  openTelemetry: (v) =>
    v === true || v === false || v === 'auto'
      ? undefined
      : "true, false or 'auto'",
};

function check(
  owner: string,
  options: unknown,
  rules: Rules,
  makeError: (message: string, option?: string, value?: unknown) => Error,
): void {
  if (options === undefined) return;
  if (
    typeof options !== 'object' ||
    options === null ||
    Array.isArray(options)
  ) {
    throw makeError(
      invalidOption(owner, 'options', options, 'an object'),
      'options',
      options,
    );
  }
  for (const [key, value] of Object.entries(options)) {
    const rule = rules[key];
    if (!rule)
      throw makeError(
        unknownOption(owner, key, Object.keys(rules)),
        key,
        value,
      );
    if (value === undefined) continue;
    const expected = rule(value);
    if (expected)
      throw makeError(invalidOption(owner, key, value, expected), key, value);
  }
}

/**
 * Checks a decorator's `TaskOptions`.
 * @param task `Class.method`, named in the error
 * @throws InvalidTriggerError naming the task, the option and the bad value
 */
export function validateTaskOptions(
  task: string,
  options: TaskOptions | undefined,
): void {
  check(
    task,
    options,
    TASK_RULES,
    (m, o, v) => new InvalidTriggerError(m, o, v),
  );
}

/**
 * Checks the `GroupOptions` a feature module gives `forFeature`.
 * @param owner the module, named in the error
 */
export function validateGroupOptions(
  owner: string,
  options: GroupOptions | undefined,
): void {
  check(owner, options, GROUP_RULES, (m) => new AioClockError(m));
}

/** Checks `forRoot` / `forRootAsync` options; runs at init, so a bad option fails bootstrap. */
export function validateModuleOptions(
  options: AioClockOptions | undefined,
): void {
  check('AioClockModule', options, MODULE_RULES, (m) => new AioClockError(m));
}
