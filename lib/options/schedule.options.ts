import {
  invalidScheduleId,
  jsonTooDeep,
  payloadNotJson,
  payloadTooLarge,
  scheduleLabel,
  scheduleTriggerKind,
  scheduleIdNotUnicode,
  scheduleTriggerName,
  scheduleUnreadable,
} from '../aioclock.messages';
import type { ScheduleInput } from '../coordination/schedule-store.interface';
import { AioClockError } from '../errors/aioclock.error';
import { InvalidScheduleError } from '../errors/invalid-schedule.error';
import type { UpsertScheduleOptions } from '../interfaces/schedule.interface';
import type { TaskOptions } from '../interfaces/task-options.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import {
  boolean,
  checkOptions,
  nonEmptyString,
  type OptionCheck,
  type OptionTable,
} from './option-rules';
import { triggerSpecOf } from './runtime-task.options';
import {
  dateOptionMs,
  TASK_OPTION_TABLE,
  validateTaskOptions,
} from './task.options';

/** Longest schedule id. */
export const SCHEDULE_ID_MAX_LENGTH = 200;
/** Largest payload, in bytes of its JSON. */
export const SCHEDULE_PAYLOAD_MAX_BYTES = 64 * 1024;
/** Deepest nesting of a payload or a trigger (arrays and objects), so checking it cannot overflow the stack. */
export const SCHEDULE_JSON_MAX_DEPTH = 64;
/** Largest page of `listSchedules`, and the default one. */
export const SCHEDULE_PAGE_MAX = 1_000;
export const SCHEDULE_PAGE_DEFAULT = 100;

/** Triggers a durable schedule takes (at the top and inside an `or`). */
const SCHEDULE_TRIGGERS = new Set(['every', 'at', 'cron', 'or']);
/** What no schedule id (nor a query naming one) may hold. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** A lone surrogate: PostgreSQL and Redis store both kinds as U+FFFD, so two ids would become one. */
const UNPAIRED_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The `TaskOptions` a schedule takes beside its own fields (catchUp and later ones included). */
const SCHEDULE_TASK_RULES = Object.fromEntries(
  Object.entries(TASK_OPTION_TABLE.rules).filter(
    ([key]) => !['name', 'enabled', 'startAt', 'endAt'].includes(key),
  ),
) as Record<string, OptionCheck>;

const anything: OptionCheck = () => undefined;
const dateOrNull: OptionCheck = (value, options) =>
  value === null
    ? undefined
    : (TASK_OPTION_TABLE.rules.startAt as OptionCheck)(value, options);

/** The rules of `upsertSchedule`'s argument; the id, trigger and payload have their own checks. */
export const SCHEDULE_OPTION_TABLE: OptionTable<UpsertScheduleOptions> = {
  rules: {
    id: anything,
    handler: nonEmptyString,
    trigger: anything,
    payload: anything,
    startAt: dateOrNull,
    endAt: (value, options) =>
      dateOrNull(value, options) ??
      (value !== null &&
      options.startAt != null &&
      dateOptionMs(value) < dateOptionMs(options.startAt)
        ? 'an instant at or after startAt'
        : undefined),
    enabled: boolean,
    ...SCHEDULE_TASK_RULES,
  } as OptionTable<UpsertScheduleOptions>['rules'],
  required: ['id', 'handler', 'trigger'],
  error: (message, option, value) =>
    new InvalidScheduleError(message, option, value),
};

/** 1–200 characters (an emoji is one, not two UTF-16 units), no control character. */
function wellShapedId(id: unknown): id is string {
  return (
    typeof id === 'string' &&
    id.length > 0 &&
    (id.length <= SCHEDULE_ID_MAX_LENGTH ||
      [...id].length <= SCHEDULE_ID_MAX_LENGTH) &&
    !CONTROL_CHARACTERS.test(id)
  );
}

/**
 * An id `upsertSchedule` would take: any other names no schedule, so a
 * lookup answers "none" without asking the store (PostgreSQL refuses a NUL).
 */
export function isScheduleId(id: unknown): id is string {
  return wellShapedId(id) && !UNPAIRED_SURROGATE.test(id);
}

/**
 * Checks `upsertSchedule`'s argument and turns it into what the store keeps
 * (JSON only). The trigger's parameters are checked by the caller (it knows
 * the default zone); here only its kind.
 * @throws InvalidScheduleError naming the schedule id, the field and the bad value
 */
export function scheduleInputOf(raw: UpsertScheduleOptions): ScheduleInput {
  try {
    return readScheduleInput(raw);
  } catch (error) {
    if (error instanceof AioClockError) throw error;
    let id: unknown;
    try {
      id = (raw as { id?: unknown } | null)?.id;
    } catch {
      // The id itself is what threw.
    }
    throw new InvalidScheduleError(
      scheduleUnreadable(scheduleLabel(id), error),
      'schedule',
      undefined,
    );
  }
}

function readScheduleInput(raw: UpsertScheduleOptions): ScheduleInput {
  const id = (raw as { id?: unknown } | null)?.id;
  const label = scheduleLabel(id);
  if (!wellShapedId(id))
    throw new InvalidScheduleError(
      invalidScheduleId(id, SCHEDULE_ID_MAX_LENGTH),
      'id',
      id,
    );
  if (UNPAIRED_SURROGATE.test(id))
    throw new InvalidScheduleError(scheduleIdNotUnicode(id), 'id', id);
  // An object from here on: its id was read and checked above.
  const fromTrigger = triggerSpecOf(raw.trigger, label);
  // A decorator's options (`Every({ seconds: 5 }, { enabled: false })`) apply
  // as the same fields given beside the trigger would; those win.
  const { name: carriedName, ...carried } = fromTrigger.options;
  if (carriedName !== undefined)
    throw new InvalidScheduleError(
      scheduleTriggerName(label, carriedName),
      'name',
      carriedName,
    );
  const merged = Array.isArray(raw)
    ? raw
    : ({ ...carried, ...definedFields(raw) } as UpsertScheduleOptions);
  checkOptions(label, merged, SCHEDULE_OPTION_TABLE);
  const {
    id: _id,
    handler,
    trigger: _trigger,
    payload,
    startAt,
    endAt,
    enabled,
    ...taskOptions
  } = merged;
  const options: TaskOptions = { ...taskOptions };
  const trigger = scheduleTrigger(label, fromTrigger.spec);
  validateTaskOptions(label, options);
  const json = payload === undefined ? null : payload;
  checkJson(label, json, 'payload', new Set());
  const bytes = Buffer.byteLength(JSON.stringify(json), 'utf8');
  if (bytes > SCHEDULE_PAYLOAD_MAX_BYTES)
    throw new InvalidScheduleError(
      payloadTooLarge(label, bytes, SCHEDULE_PAYLOAD_MAX_BYTES),
      'payload',
      bytes,
    );
  return {
    id,
    handler,
    trigger,
    payload: json,
    options: JSON.parse(JSON.stringify(options)) as Record<string, unknown>,
    startAt: isoOrNull(startAt),
    endAt: isoOrNull(endAt),
    enabled: enabled ?? true,
  };
}

/** The fields of `raw` that are given (an `undefined` one leaves the trigger's option in force). */
function definedFields(raw: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined),
  );
}

/** The trigger as JSON, of a kind schedules take (members of an `or` too). */
function scheduleTrigger(label: string, spec: unknown): TriggerSpec {
  const check = (value: unknown, depth: number): void => {
    if (depth > SCHEDULE_JSON_MAX_DEPTH)
      throw new InvalidScheduleError(
        jsonTooDeep(label, 'trigger', SCHEDULE_JSON_MAX_DEPTH),
        'trigger',
        depth,
      );
    const type = (value as { type?: unknown } | null)?.type;
    if (typeof value !== 'object' || !SCHEDULE_TRIGGERS.has(type as string))
      throw new InvalidScheduleError(
        scheduleTriggerKind(label, type),
        'trigger',
        value,
      );
    const members = (value as { triggers?: unknown }).triggers;
    if (type === 'or' && Array.isArray(members))
      for (const member of members) check(member, depth + 2);
  };
  check(spec, 1);
  checkJson(label, spec, 'trigger', new Set());
  return JSON.parse(JSON.stringify(spec)) as TriggerSpec;
}

/** Throws unless `value` is JSON as it is: nothing JSON would drop, change or choke on. */
function checkJson(
  label: string,
  value: unknown,
  path: string,
  seen: Set<object>,
): void {
  const fail = (): never => {
    throw new InvalidScheduleError(
      payloadNotJson(label, path, value),
      path.split(/[.[]/)[0],
      value,
    );
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean')
    return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail();
    return;
  }
  if (typeof value !== 'object') fail();
  // `seen` holds this value's ancestors: their count is its depth − 1.
  if (seen.size >= SCHEDULE_JSON_MAX_DEPTH) {
    const part = path.split(/[.[]/)[0];
    throw new InvalidScheduleError(
      jsonTooDeep(label, part, SCHEDULE_JSON_MAX_DEPTH),
      part,
      SCHEDULE_JSON_MAX_DEPTH + 1,
    );
  }
  const object = value as object;
  if (seen.has(object)) fail();
  seen.add(object);
  if (Array.isArray(object)) {
    object.forEach((item, i) => checkJson(label, item, `${path}[${i}]`, seen));
  } else {
    const prototype = Object.getPrototypeOf(object) as object | null;
    if (prototype !== Object.prototype && prototype !== null) fail();
    // An undefined member is left out, as JSON leaves it out.
    for (const [key, member] of Object.entries(object))
      if (member !== undefined)
        checkJson(label, member, `${path}.${key}`, seen);
  }
  seen.delete(object);
}

function isoOrNull(value: Date | string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return new Date(dateOptionMs(value)).toISOString();
}
