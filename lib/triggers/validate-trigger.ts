import {
  invalidCron,
  invalidInterval,
  invalidOrMember,
  invalidParameter,
  missingParameter,
  notAllowedInOr,
  unknownParameter,
} from '../aioclock.messages';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import type {
  EverySpec,
  TriggerSpec,
  TriggerType,
} from '../interfaces/trigger-spec.interface';
import { EVERY_UNITS, everyRawTotalMs } from './every.trigger';
import { isValidTimeZone } from './zoned-time';
import { cronExpressionParser } from './cron-parser.loader';

/** The keys each kind of spec may carry besides `type`. */
const ALLOWED_KEYS: Record<TriggerType, readonly string[]> = {
  every: [...EVERY_UNITS, 'firstRunStrategy', 'maxLoopCount'],
  at: ['second', 'minute', 'hour', 'at', 'tz', 'maxLoopCount'],
  cron: ['cron', 'tz', 'maxLoopCount'],
  once: [],
  forever: ['maxLoopCount'],
  or: ['triggers', 'maxLoopCount'],
  startup: [],
  shutdown: [],
};

const TRIGGER_TYPES = Object.keys(ALLOWED_KEYS) as TriggerType[];

/** The days `at` accepts. */
export const AT_DAYS = [
  'every day',
  'every monday',
  'every tuesday',
  'every wednesday',
  'every thursday',
  'every friday',
  'every saturday',
  'every sunday',
] as const;

/** Kinds that cannot be members of an `or`: they have no due times to merge. */
const NOT_IN_OR: readonly TriggerType[] = ['forever', 'startup', 'shutdown'];

/** Largest interval accepted (about 317 years): due times must stay exact integers. */
const MAX_INTERVAL_MS = 1e13;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(message: string, parameter: string, value: unknown): never {
  throw new InvalidTriggerError(message, parameter, value);
}

function checkInteger(
  spec: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): void {
  const value = spec[key];
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > max
  ) {
    const range = max === Infinity ? `>= ${min}` : `${min}–${max}`;
    fail(invalidParameter(key, value, `an integer ${range}`), key, value);
  }
}

function checkTimeZone(
  spec: Record<string, unknown>,
  defaultTimeZone: string | undefined,
): string | undefined {
  if (spec.tz !== undefined) {
    if (!isValidTimeZone(spec.tz))
      fail(
        invalidParameter(
          'tz',
          spec.tz,
          'an IANA time zone such as "Europe/Berlin"',
        ),
        'tz',
        spec.tz,
      );
    return spec.tz;
  }
  if (defaultTimeZone !== undefined && !isValidTimeZone(defaultTimeZone)) {
    fail(
      invalidParameter(
        'timeZone',
        defaultTimeZone,
        'an IANA time zone such as "Europe/Berlin"',
      ),
      'timeZone',
      defaultTimeZone,
    );
  }
  return defaultTimeZone;
}

function validateEvery(spec: Record<string, unknown>): void {
  let given = 0;
  for (const unit of EVERY_UNITS) {
    const value = spec[unit];
    if (value === undefined) continue;
    given++;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      fail(invalidParameter(unit, value, 'a finite number >= 0'), unit, value);
    }
  }
  if (given === 0)
    fail(
      missingParameter('interval', `at least one of ${EVERY_UNITS.join(', ')}`),
      'interval',
      undefined,
    );
  const total = everyRawTotalMs(spec as unknown as EverySpec);
  if (total <= 0)
    fail(invalidInterval(total, 'a total greater than 0'), 'interval', total);
  // Whole milliseconds only; tolerate float noise (1.1 s = 1100.0000000000002 ms).
  if (Math.abs(total - Math.round(total)) > 1e-6) {
    fail(
      invalidInterval(total, 'a whole number of milliseconds'),
      'interval',
      total,
    );
  }
  if (total > MAX_INTERVAL_MS)
    fail(
      invalidInterval(total, `at most ${MAX_INTERVAL_MS} ms`),
      'interval',
      total,
    );
  const strategy = spec.firstRunStrategy;
  if (
    strategy !== undefined &&
    strategy !== 'wait' &&
    strategy !== 'immediate'
  ) {
    fail(
      invalidParameter('firstRunStrategy', strategy, '"wait" or "immediate"'),
      'firstRunStrategy',
      strategy,
    );
  }
}

function validateAt(
  spec: Record<string, unknown>,
  defaultTimeZone: string | undefined,
): void {
  checkInteger(spec, 'second', 0, 59);
  checkInteger(spec, 'minute', 0, 59);
  checkInteger(spec, 'hour', 0, 23);
  if (
    spec.at !== undefined &&
    !(AT_DAYS as readonly unknown[]).includes(spec.at)
  ) {
    fail(
      invalidParameter(
        'at',
        spec.at,
        `one of ${AT_DAYS.map((d) => `"${d}"`).join(', ')}`,
      ),
      'at',
      spec.at,
    );
  }
  checkTimeZone(spec, defaultTimeZone);
}

/** Field counts are checked here: cron-parser quietly fills in missing ones. */
function validateCron(
  spec: Record<string, unknown>,
  defaultTimeZone: string | undefined,
): void {
  const expression = spec.cron;
  if (expression === undefined)
    fail(missingParameter('cron', 'a cron expression'), 'cron', expression);
  if (typeof expression !== 'string')
    fail(invalidParameter('cron', expression, 'a string'), 'cron', expression);
  // Everything below depends on the expression and the zones only, and the
  // parse is the costly part (most of a 10 000-task boot: each task is
  // validated by its decorator and again by the scheduler) while tasks share
  // a few expressions: remember the combinations already accepted.
  // The key keeps `tz: ''` (invalid) apart from no `tz`, and a value holding
  // the separator apart from two values.
  const specTz = spec.tz;
  const key =
    typeof specTz === 'string' || specTz === undefined
      ? JSON.stringify([specTz ?? null, defaultTimeZone ?? null, expression])
      : undefined;
  if (key !== undefined && acceptedCron.has(key)) return;
  const trimmed = expression.trim();
  if (!trimmed.startsWith('@')) {
    const fields = trimmed === '' ? 0 : trimmed.split(/\s+/).length;
    if (fields !== 5 && fields !== 6) {
      fail(
        invalidCron(
          expression,
          `expected 5 fields, or 6 with seconds first; got ${fields}`,
        ),
        'cron',
        expression,
      );
    }
    // cron-parser picks a random value for H on every parse: replicas (and
    // restarts) would disagree on due times, so refuse it.
    if (
      trimmed
        .split(/\s+/)
        .some((field) =>
          field.split(',').some((item) => /^h(?:$|[/(])/i.test(item)),
        )
    ) {
      fail(
        invalidCron(
          expression,
          'H (hashed) values are not supported: they change with every process',
        ),
        'cron',
        expression,
      );
    }
  }
  const tz = checkTimeZone(spec, defaultTimeZone);
  try {
    cronExpressionParser().parse(trimmed, tz === undefined ? {} : { tz });
  } catch (error) {
    fail(
      invalidCron(
        expression,
        error instanceof Error ? error.message : String(error),
      ),
      'cron',
      expression,
    );
  }
  if (key === undefined) return;
  if (acceptedCron.size >= MAX_ACCEPTED_CRON)
    acceptedCron.delete(acceptedCron.values().next().value as string);
  acceptedCron.add(key);
}

/** (task zone, default zone, expression) combinations accepted: a bounded memo of a pure check. */
const acceptedCron = new Set<string>();
const MAX_ACCEPTED_CRON = 1_000;

function validateOr(
  spec: Record<string, unknown>,
  defaultTimeZone: string | undefined,
): void {
  const members = spec.triggers;
  if (!Array.isArray(members) || members.length === 0) {
    fail(
      invalidParameter('triggers', members, 'a non-empty array of triggers'),
      'triggers',
      members,
    );
  }
  members.forEach((member: unknown, index) => {
    try {
      if (
        isPlainObject(member) &&
        (NOT_IN_OR as unknown[]).includes(member.type)
      ) {
        fail(notAllowedInOr(String(member.type)), 'type', member.type);
      }
      validateTriggerSpec(member as TriggerSpec, defaultTimeZone);
    } catch (error) {
      if (!(error instanceof InvalidTriggerError)) throw error;
      throw new InvalidTriggerError(
        invalidOrMember(index, error.message),
        `triggers[${index}]${error.parameter ? `.${error.parameter}` : ''}`,
        error.value,
      );
    }
  });
}

/**
 * Checks a trigger spec and throws `InvalidTriggerError` on the first problem:
 * an unknown `type` or key (only the documented keys are allowed; a key whose
 * value is `undefined` counts as absent), a value of the wrong type or out of
 * range, an `every` without units or with a total that is not a positive whole
 * number of milliseconds, an unknown zone, a cron expression with other than
 * 5 or 6 fields (or one cron-parser rejects), an empty `or`, or an `or` member
 * that is invalid or cannot be merged (`forever`, `startup`, `shutdown`).
 * Messages name the parameter and the bad value and read well after a
 * `Class.method: ` prefix.
 * @param spec the spec as a decorator stored it
 * @param defaultTimeZone the module's zone, used (and checked) for `at` and
 *   `cron` specs without their own `tz`; when omitted, only `tz` is checked
 */
export function validateTriggerSpec(
  spec: TriggerSpec,
  defaultTimeZone?: string,
): void {
  const raw: unknown = spec;
  if (!isPlainObject(raw))
    fail(
      invalidParameter('trigger', raw, 'an object with a "type"'),
      'trigger',
      raw,
    );
  const type = raw.type;
  if (!(TRIGGER_TYPES as unknown[]).includes(type)) {
    fail(
      invalidParameter(
        'trigger type',
        type,
        `one of ${TRIGGER_TYPES.join(', ')}`,
      ),
      'type',
      type,
    );
  }
  const kind = type as TriggerType;
  const allowed = ALLOWED_KEYS[kind];
  for (const key of Object.keys(raw)) {
    if (key !== 'type' && raw[key] !== undefined && !allowed.includes(key)) {
      fail(
        unknownParameter(
          `${kind} trigger`,
          key,
          allowed.length ? allowed : ['none'],
        ),
        key,
        raw[key],
      );
    }
  }
  checkInteger(raw, 'maxLoopCount', 1, Infinity);
  switch (kind) {
    case 'every':
      return validateEvery(raw);
    case 'at':
      return validateAt(raw, defaultTimeZone);
    case 'cron':
      return validateCron(raw, defaultTimeZone);
    case 'or':
      return validateOr(raw, defaultTimeZone);
    default:
      return;
  }
}
