// The messages of tasks and schedules added at run time (registry.addTask,
// upsertSchedule and the schedule routes), apart from aioclock.messages.ts
// for its length; re-exported from there, so callers import them as before.

import { describeError, describeValue } from './errors/describe-error';

const formatValue = describeValue;

// --- tasks and schedules at run time (registry.addTask, upsertSchedule) ---

/** A task removed with `removeTask` while a run of it waited (a `runTask` rejects with this). */
export const taskRemoved = (name: string): string =>
  `Task ${name} was removed before this run could start`;

/** A removed run-time task's durable state could not be deleted (an outage). */
export const removedTaskNotForgotten = (name: string, cause: string): string =>
  `Task ${name} was removed, but its state and history stay in the coordinator's store: ${cause}`;

/** `reschedule` of a task that is not timed by every / at / cron / or. */
export const cannotReschedule = (type: string): string =>
  `cannot reschedule a task whose trigger is ${type} (only every, at, cron and or tasks can be rescheduled)`;

/** `addTask` with a name in the prefix reserved for durable schedules' tasks. */
export const reservedTaskName = (name: string, prefix: string): string =>
  `${name}: task names starting with "${prefix}" are reserved for durable schedules (use registry.upsertSchedule)`;

/** How messages name a durable schedule. */
export const scheduleLabel = (id: unknown): string =>
  typeof id === 'string' ? `schedule ${JSON.stringify(id)}` : 'schedule';

export const scheduleNotFound = (id: string): string =>
  `No schedule with id ${JSON.stringify(id)}`;

/** A schedule id that is no string of 1–200 characters without control characters. */
export const invalidScheduleId = (id: unknown, max: number): string =>
  `invalid schedule id: ${formatValue(id)} (expected a string of 1–${max} characters without control characters)`;

/** An id with a lone surrogate: stores keep it as U+FFFD, which would merge it with other ids. */
export const scheduleIdNotUnicode = (id: string): string =>
  `invalid schedule id: ${formatValue(id)} (expected well-formed Unicode: an unpaired surrogate is stored as U+FFFD, which would merge this id with others)`;

/** `upsertSchedule`'s argument threw while it was read (a getter, a Proxy). */
export const scheduleUnreadable = (schedule: string, error: unknown): string =>
  `${schedule}: could not be read: ${describeError(error)} (expected plain data: no getter or Proxy that throws)`;

/** A payload JSON cannot carry as it is. */
export const payloadNotJson = (
  schedule: string,
  path: string,
  value: unknown,
): string =>
  `${schedule}: payload is not JSON: ${path} is ${formatValue(value)} (expected null, booleans, finite numbers, strings, arrays and plain objects; e.g. a Date as its toISOString())`;

/** A schedule's trigger decorator carrying a task name: a schedule's task is named after its id. */
export const scheduleTriggerName = (schedule: string, name: unknown): string =>
  `${schedule}: the trigger's name option (${formatValue(name)}) does not apply to a schedule (its task is named after the id)`;

/** A schedule's payload or trigger nested deeper than it may be. */
export const jsonTooDeep = (
  schedule: string,
  part: string,
  limit: number,
): string =>
  `${schedule}: ${part} is nested more than ${limit} levels deep (expected at most ${limit})`;

export const payloadTooLarge = (
  schedule: string,
  bytes: number,
  limit: number,
): string =>
  `${schedule}: payload is ${bytes} bytes as JSON (expected at most ${limit})`;

/** A trigger kind durable schedules do not take. */
export const scheduleTriggerKind = (schedule: string, type: unknown): string =>
  `${schedule}: invalid trigger type: ${formatValue(type)} (expected every, at, cron or or; once, forever, startup and shutdown have no place in a durable schedule)`;

/** A handler name no `@ScheduleHandler` of this replica declares. */
export const unknownScheduleHandler = (
  schedule: string,
  handler: unknown,
  known: readonly string[],
): string =>
  `${schedule}: unknown handler ${formatValue(handler)} (declared here: ${known.length > 0 ? known.join(', ') : 'none'})`;

/** Accepted under a durable store: another replica may declare it. */
export const scheduleHandlerNotHere = (
  schedule: string,
  handler: string,
): string =>
  `${schedule}: no @ScheduleHandler named "${handler}" on this replica; the schedule is stored and fires on a replica that declares it`;

/** Two `@ScheduleHandler` methods with one name. */
export const duplicateScheduleHandler = (
  name: string,
  first: string,
  second: string,
): string =>
  `Duplicate schedule handler name "${name}" (${first} and ${second}); give one of them another name with @ScheduleHandler('...')`;

/** A stored schedule this replica cannot schedule (stored by another version, say). */
export const scheduleNotSchedulable = (
  schedule: string,
  error: unknown,
): string =>
  `${schedule} cannot be scheduled here and is not fired by this replica: ${describeError(error)}`;

/** Reading a schedule after a change notice failed. */
export const scheduleReloadFailed = (id: string, error: unknown): string =>
  `Could not read schedule ${JSON.stringify(id)} after it changed; it keeps its previous form here until the next change: ${describeError(error)}`;

/** Pages of `listSchedules`. */
export const invalidScheduleLimit = (limit: unknown, max: number): string =>
  `invalid limit: ${formatValue(limit)} (expected an integer from 1 to ${max})`;

/** A PUT /schedules/:id body that is no object, or names another id. */
export const scheduleBody = (id: string, body: unknown): string =>
  `invalid schedule body for ${JSON.stringify(id)}: ${formatValue(body)} (expected an object like { "handler": "reports.send", "trigger": { "type": "at", "hour": 9 }, "payload": {} } whose id, if given, is the one in the path)`;

/** The store could not be read at start. */
export const schedulesLoadFailed = (error: unknown, retryMs: number): string =>
  `Could not load the durable schedules: ${describeError(error)}; trying again in ${retryMs} ms`;
