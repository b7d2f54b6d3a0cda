import {
  beyondTimerLimit,
  invalidOption,
  unknownOption,
} from '../aioclock.messages';

// The one mechanism every option object is checked by (module, group, task,
// HTTP, Redis coordinator, health): a table of one check per accepted key, so
// an unknown key is reported instead of silently ignored and each object
// states its rules in one place, next to its defaults (lib/options/*.options.ts).

/**
 * Checks one option value.
 * @param value the value as given (never `undefined` unless the key is required)
 * @param options the whole object as given, for rules that depend on another option
 * @returns `undefined` when the value is fine, else what was expected
 */
export type OptionCheck = (
  value: unknown,
  options: Readonly<Record<string, unknown>>,
) => string | undefined;

/** The rules of one option object: every key it accepts, in the order they are checked and listed. */
export interface OptionTable<T> {
  /** One check per key `T` has; a key not listed here is an unknown option. */
  readonly rules: { readonly [K in keyof Required<T>]: OptionCheck };
  /** Keys checked even when absent or `undefined`. @default none */
  readonly required?: ReadonlyArray<keyof T & string>;
  /** Builds the thrown error from its message. */
  readonly error: (message: string, option: string, value: unknown) => Error;
  /** Words the message of a bad value. @default `invalidOption` */
  readonly invalid?: (
    owner: string,
    option: string,
    value: unknown,
    expected: string,
  ) => string;
}

/**
 * Checks an option object against its table; `undefined` means "no options".
 * Reports the first problem: the object itself, then unknown keys, then each
 * rule in table order.
 * @param owner names the object in the message, e.g. `AioClockModule` or `Class.method`
 * @param options the object as the user gave it
 * @param table its rules
 * @throws the table's error, naming the owner, the option and the bad value
 */
export function checkOptions<T>(
  owner: string,
  options: unknown,
  table: OptionTable<T>,
): asserts options is T | undefined {
  const invalid = table.invalid ?? invalidOption;
  const fail = (option: string, value: unknown, expected: string): never => {
    throw table.error(invalid(owner, option, value, expected), option, value);
  };
  if (options === undefined && !table.required?.length) return;
  if (
    options !== undefined &&
    (typeof options !== 'object' || options === null || Array.isArray(options))
  )
    fail('options', options, 'an object');
  const given = (options ?? {}) as Record<string, unknown>;
  const keys = Object.keys(table.rules);
  for (const key of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(table.rules, key))
      throw table.error(unknownOption(owner, key, keys), key, given[key]);
  }
  const rules = table.rules as Record<string, OptionCheck>;
  const required = table.required as readonly string[] | undefined;
  for (const key of keys) {
    const value = given[key];
    if (value === undefined && !required?.includes(key)) continue;
    const expected = rules[key](value, given);
    if (expected !== undefined) fail(key, value, expected);
  }
}

// --- checks shared by several tables ---

/**
 * Node's timer limit: `setTimeout` turns a longer delay into 1 ms, so no
 * duration option may exceed it (about 24.8 days).
 */
export const TIMER_LIMIT_MS = 2 ** 31 - 1;

/**
 * A duration in ms: a finite number above 0 (or at least 0), at most the
 * timer limit.
 * @param expected what a value that is no such number is told
 * @param zero whether 0 is allowed
 */
export function durationMs(expected: string, zero: boolean): OptionCheck {
  return (value) =>
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!zero && value === 0)
      ? expected
      : value > TIMER_LIMIT_MS
        ? beyondTimerLimit(TIMER_LIMIT_MS)
        : undefined;
}

/** ms > 0, within the timer limit. */
export const positiveMs = durationMs(
  'a finite number of milliseconds > 0',
  false,
);

/** ms >= 0, within the timer limit. */
export const nonNegativeMs = durationMs(
  'a finite number of milliseconds >= 0',
  true,
);

/** `true` or `false`. */
export const boolean: OptionCheck = (value) =>
  typeof value === 'boolean' ? undefined : 'true or false';

/** A string with something other than spaces in it. */
export const nonEmptyString: OptionCheck = (value) =>
  typeof value === 'string' && value.trim() !== ''
    ? undefined
    : 'a non-empty string';

/** An integer >= 1. */
export const positiveInteger: OptionCheck = (value) =>
  Number.isInteger(value) && (value as number) >= 1
    ? undefined
    : 'an integer >= 1';

/**
 * One of a fixed list of values.
 * @param allowed the values, shown quoted in the message
 */
export function oneOf(allowed: readonly unknown[]): OptionCheck {
  const expected = allowed.map((value) => `'${String(value)}'`).join(' | ');
  return (value) => (allowed.includes(value) ? undefined : expected);
}

/**
 * A coordinator's `history`: `{ keep?: n }`, the records kept per task.
 * @param max the most `keep` may be
 */
export function historyOption(max: number): OptionCheck {
  const expected = `{ keep?: an integer from 1 to ${max} }`;
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return expected;
    const { keep, ...rest } = value as { keep?: unknown };
    if (Object.keys(rest).length > 0) return expected;
    return keep === undefined ||
      (Number.isInteger(keep) &&
        (keep as number) >= 1 &&
        (keep as number) <= max)
      ? undefined
      : expected;
  };
}
