import { invalidOption, invalidScheduleLimit } from '../aioclock.messages';
import { AioClockError } from '../errors/aioclock.error';
import { InvalidScheduleError } from '../errors/invalid-schedule.error';
import type { HistoryQuery } from '../interfaces/run-record.interface';
import type { ScheduleQuery } from '../interfaces/schedule.interface';
import type { OptionTable } from './option-rules';
import { CONTROL_CHARACTERS, SCHEDULE_PAGE_MAX } from './schedule.options';

/** `registry.getHistory`'s query; its owner is `historyQueryOwner(name)`. */
export const HISTORY_QUERY_TABLE: OptionTable<HistoryQuery> = {
  rules: {
    limit: (value) =>
      typeof value === 'number' &&
      (Number.isInteger(value) || value === Infinity) &&
      value >= 0
        ? undefined
        : 'a whole number >= 0, or Infinity',
  },
  error: (message) => new AioClockError(message),
};

/** `registry.listSchedules`'s query (and `GET /schedules`'s, whose bad query is a 400). */
export const SCHEDULE_QUERY_TABLE: OptionTable<ScheduleQuery> = {
  rules: {
    // No control character: PostgreSQL refuses a NUL in text.
    handler: (value) =>
      typeof value === 'string' &&
      value.trim() !== '' &&
      !CONTROL_CHARACTERS.test(value)
        ? undefined
        : 'a non-empty string without control characters',
    cursor: (value) =>
      value === null ||
      (typeof value === 'string' && !CONTROL_CHARACTERS.test(value))
        ? undefined
        : 'a string from the previous page, or null',
    limit: (value) =>
      Number.isInteger(value) &&
      (value as number) >= 1 &&
      (value as number) <= SCHEDULE_PAGE_MAX
        ? undefined
        : `an integer from 1 to ${SCHEDULE_PAGE_MAX}`,
  },
  error: (message, option, value) =>
    new InvalidScheduleError(message, option, value),
  // The limit's message predates the table; HTTP clients may match on it.
  invalid: (owner, option, value, expected) =>
    option === 'limit'
      ? invalidScheduleLimit(value, SCHEDULE_PAGE_MAX)
      : invalidOption(owner, option, value, expected),
};
