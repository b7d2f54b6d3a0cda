// A cron expression as a structure the property tests draw at random: it
// renders to the text handed to @Cron, and it has its own matcher (the
// reference), independent of cron-parser. Semantics follow cron-parser 5's
// documentation: 5 fields or 6 with seconds first; names; `a-b`, `a-b/s`,
// `a/s` (a to the field's maximum), `*/s`; day-of-month `L` (last day);
// day-of-week 0–7 (7 is Sunday), `dL` (last such weekday of the month) and
// `d#n` (n-th such weekday); when both day fields are restricted (not `*` or
// `?`), a day matches if either matches.

import type { WallSchedule } from './schedule.reference';
import { daysInMonth, type Wall } from './zone.reference';

/** The numeric fields, with their bounds. */
export const CRON_FIELDS = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dayOfMonth: { min: 1, max: 31 },
  month: { min: 1, max: 12 },
  dayOfWeek: { min: 0, max: 7 },
} as const;

export type CronFieldName = keyof typeof CRON_FIELDS;

/** One item of a comma-separated list. */
export type CronItem =
  | { kind: 'star'; text: '*' | '?' }
  | { kind: 'value'; value: number }
  | { kind: 'range'; from: number; to: number; step?: number }
  | { kind: 'starStep'; step: number }
  | { kind: 'fromStep'; from: number; step: number }
  | { kind: 'last' }
  | { kind: 'lastWeekday'; day: number }
  | { kind: 'nth'; day: number; nth: number };

/** A field: its items, and the spelling each number gets (a name or digits). */
export interface CronFieldModel {
  items: CronItem[];
  /** Spell month / weekday numbers as names, in this letter case. */
  names?: 'upper' | 'lower' | 'title';
}

/** A whole expression. `second` absent means the 5-field form. */
export interface CronModel {
  second?: CronFieldModel;
  minute: CronFieldModel;
  hour: CronFieldModel;
  dayOfMonth: CronFieldModel;
  month: CronFieldModel;
  dayOfWeek: CronFieldModel;
}

const MONTH_NAMES = [
  '',
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function spell(
  field: CronFieldName,
  value: number,
  names: CronFieldModel['names'],
): string {
  const table =
    field === 'month'
      ? MONTH_NAMES
      : field === 'dayOfWeek'
        ? DAY_NAMES
        : undefined;
  const name = table?.[value];
  if (!names || !name) return String(value);
  if (names === 'lower') return name.toLowerCase();
  if (names === 'title') return name[0] + name.slice(1).toLowerCase();
  return name;
}

function renderItem(
  field: CronFieldName,
  item: CronItem,
  names: CronFieldModel['names'],
): string {
  const s = (v: number): string => spell(field, v, names);
  switch (item.kind) {
    case 'star':
      return item.text;
    case 'value':
      return s(item.value);
    case 'range':
      return `${s(item.from)}-${s(item.to)}${item.step ? `/${item.step}` : ''}`;
    case 'starStep':
      return `*/${item.step}`;
    case 'fromStep':
      return `${s(item.from)}/${item.step}`;
    case 'last':
      return 'L';
    case 'lastWeekday':
      return `${item.day}L`;
    case 'nth':
      return `${s(item.day)}#${item.nth}`;
  }
}

/** The text of one field. */
export function renderField(
  field: CronFieldName,
  model: CronFieldModel,
): string {
  return model.items
    .map((item) => renderItem(field, item, model.names))
    .join(',');
}

/** The expression's text, as given to `@Cron`. */
export function renderCron(model: CronModel): string {
  const fields = [
    'minute',
    'hour',
    'dayOfMonth',
    'month',
    'dayOfWeek',
  ] as const;
  const parts = fields.map((f) => renderField(f, model[f]));
  return model.second
    ? `${renderField('second', model.second)} ${parts.join(' ')}`
    : parts.join(' ');
}

/** The plain numbers an item stands for (day-of-week 7 read as 0); none for `L`, `dL`, `d#n`. */
export function itemValues(field: CronFieldName, item: CronItem): number[] {
  const { min, max } = CRON_FIELDS[field];
  const span = (from: number, to: number, step: number): number[] => {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) out.push(v);
    return out;
  };
  let values: number[];
  switch (item.kind) {
    case 'star':
      values = span(min, max, 1);
      break;
    case 'value':
      values = [item.value];
      break;
    case 'range':
      values = span(item.from, item.to, item.step ?? 1);
      break;
    case 'starStep':
      values = span(min, max, item.step);
      break;
    case 'fromStep':
      values = span(item.from, max, item.step);
      break;
    case 'nth':
      values = [item.day];
      break;
    default:
      values = [];
  }
  return field === 'dayOfWeek'
    ? [...new Set(values.map((v) => v % 7))]
    : values;
}

/** Whether a day field is unrestricted (`*` or `?` alone): the other day field then decides alone. */
const isWildcard = (model: CronFieldModel): boolean =>
  model.items.length === 1 && model.items[0].kind === 'star';

/** The reference matcher of a cron model, as a wall-clock schedule. */
export function cronSchedule(model: CronModel): WallSchedule {
  const set = (field: CronFieldName, m: CronFieldModel): Set<number> =>
    new Set(m.items.flatMap((item) => itemValues(field, item)));
  const seconds = model.second
    ? [...set('second', model.second)].sort((a, b) => a - b)
    : [0];
  const minutes = set('minute', model.minute);
  const hours = set('hour', model.hour);
  const months = set('month', model.month);
  const monthDays = set('dayOfMonth', model.dayOfMonth);
  const lastDay = model.dayOfMonth.items.some((i) => i.kind === 'last');
  const weekdays = set('dayOfWeek', model.dayOfWeek);
  const lastWeekdays = new Set(
    model.dayOfWeek.items.flatMap((i) =>
      i.kind === 'lastWeekday' ? [i.day % 7] : [],
    ),
  );
  const nthItem = model.dayOfWeek.items.find((i) => i.kind === 'nth');
  const nth = nthItem?.kind === 'nth' ? nthItem.nth : 0;
  const domStar = isWildcard(model.dayOfMonth);
  const dowStar = isWildcard(model.dayOfWeek);

  const domMatches = (w: Wall): boolean =>
    monthDays.has(w.day) || (lastDay && w.day === daysInMonth(w.year, w.month));
  const dowMatches = (w: Wall): boolean =>
    (weekdays.has(w.weekday) && (nth === 0 || Math.ceil(w.day / 7) === nth)) ||
    (lastWeekdays.has(w.weekday) && w.day > daysInMonth(w.year, w.month) - 7);

  return {
    seconds,
    bothOccurrences: hours.size === 24,
    hourMatches: (hour) => hours.has(hour),
    timeMatches: (hour, minute) => hours.has(hour) && minutes.has(minute),
    dayMatches: (w) => {
      if (!months.has(w.month)) return false;
      if (domStar && dowStar) return true;
      if (domStar) return dowMatches(w);
      if (dowStar) return domMatches(w);
      return domMatches(w) || dowMatches(w);
    },
  };
}
