import { CronExpression } from 'cron-parser';
import type { CronSpec } from '../../../lib/interfaces/trigger-spec.interface';
import { createTrigger } from '../../../lib/triggers';
import { cronParserUnreliable } from '../../../lib/triggers/cron.trigger';

const ms = (iso: string): number => Date.parse(iso);
const iso = (instant: number | null): string | null => (instant === null ? null : new Date(instant).toISOString());
const cron = (expression: string, tz?: string): CronSpec => ({ type: 'cron', cron: expression, ...(tz ? { tz } : {}) });

/** The first `count` due times from `now`. */
function dueTimes(spec: CronSpec, timeZone: string, now: string, count: number): (string | null)[] {
  const trigger = createTrigger(spec, { timeZone });
  const out: (string | null)[] = [];
  let due = trigger.first(ms(now));
  out.push(iso(due));
  while (out.length < count && due !== null) {
    due = trigger.next(due);
    out.push(iso(due));
  }
  return out;
}

describe('cron trigger', () => {
  it.each<[string, string, string, string[]]>([
    // Strictly after now.
    ['* * * * *', 'UTC', '2024-03-31T14:00:00.000Z', ['2024-03-31T14:01:00.000Z', '2024-03-31T14:02:00.000Z']],
    ['* * * * *', 'UTC', '2024-03-31T14:00:59.999Z', ['2024-03-31T14:01:00.000Z', '2024-03-31T14:02:00.000Z']],
    // Seconds first.
    ['*/10 * * * * *', 'UTC', '2024-03-31T14:00:05.000Z', ['2024-03-31T14:00:10.000Z', '2024-03-31T14:00:20.000Z']],
    ['30 0 9 * * *', 'UTC', '2024-03-31T14:00:00.000Z', ['2024-04-01T09:00:30.000Z', '2024-04-02T09:00:30.000Z']],
    ['* * * * * *', 'UTC', '2024-03-31T14:00:00.500Z', ['2024-03-31T14:00:01.000Z', '2024-03-31T14:00:02.000Z']],
    // Last day of the month, leap February included.
    ['0 0 L * *', 'UTC', '2024-02-10T00:00:00.000Z', ['2024-02-29T00:00:00.000Z', '2024-03-31T00:00:00.000Z', '2024-04-30T00:00:00.000Z']],
    // Last Friday of the month, second Monday of the month.
    ['0 0 * * 5L', 'UTC', '2024-03-31T00:00:00.000Z', ['2024-04-26T00:00:00.000Z', '2024-05-31T00:00:00.000Z']],
    ['0 9 * * 1#2', 'UTC', '2024-03-31T00:00:00.000Z', ['2024-04-08T09:00:00.000Z', '2024-05-13T09:00:00.000Z']],
    // Weekday and month names, ranges, lists and steps.
    ['0 9 * * MON-FRI', 'UTC', '2024-03-29T10:00:00.000Z', ['2024-04-01T09:00:00.000Z', '2024-04-02T09:00:00.000Z']],
    ['0 9 * * sat,sun', 'UTC', '2024-03-29T10:00:00.000Z', ['2024-03-30T09:00:00.000Z', '2024-03-31T09:00:00.000Z', '2024-04-06T09:00:00.000Z']],
    ['0 0 1 JAN,JUL *', 'UTC', '2024-03-31T00:00:00.000Z', ['2024-07-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z']],
    ['0 8-10/2 * * *', 'UTC', '2024-03-31T00:00:00.000Z', ['2024-03-31T08:00:00.000Z', '2024-03-31T10:00:00.000Z', '2024-04-01T08:00:00.000Z']],
    ['0 0 * * 7', 'UTC', '2024-03-31T00:00:00.000Z', ['2024-04-07T00:00:00.000Z']],
    ['0 0 29 2 *', 'UTC', '2024-03-01T00:00:00.000Z', ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']],
    // Aliases, in the zone.
    ['@daily', 'Europe/Berlin', '2024-03-31T11:00:00.000Z', ['2024-03-31T22:00:00.000Z', '2024-04-01T22:00:00.000Z']],
    ['@hourly', 'UTC', '2024-03-31T11:00:00.000Z', ['2024-03-31T12:00:00.000Z']],
    ['@weekly', 'UTC', '2024-03-31T11:00:00.000Z', ['2024-04-07T00:00:00.000Z']],
    ['0 14 * * *', 'Europe/Istanbul', '2024-03-31T11:00:00.000Z', ['2024-04-01T11:00:00.000Z']],
    // DST: Europe/Berlin. A time in the gap fires at the shifted instant; a daily time that occurs twice fires once.
    ['30 2 * * *', 'Europe/Berlin', '2024-03-30T12:00:00.000Z', ['2024-03-31T01:30:00.000Z', '2024-04-01T00:30:00.000Z', '2024-04-02T00:30:00.000Z']],
    ['30 2 * * *', 'Europe/Berlin', '2024-10-26T12:00:00.000Z', ['2024-10-27T00:30:00.000Z', '2024-10-28T01:30:00.000Z', '2024-10-29T01:30:00.000Z']],
    ['0 12 * * *', 'Europe/Berlin', '2024-03-30T12:00:00.000Z', ['2024-03-31T10:00:00.000Z', '2024-04-01T10:00:00.000Z']],
    // Hourly keeps counting instants through the changes.
    ['0 * * * *', 'Europe/Berlin', '2024-03-30T23:30:00.000Z', ['2024-03-31T00:00:00.000Z', '2024-03-31T01:00:00.000Z', '2024-03-31T02:00:00.000Z']],
    ['0 * * * *', 'Europe/Berlin', '2024-10-26T23:30:00.000Z', ['2024-10-27T00:00:00.000Z', '2024-10-27T01:00:00.000Z', '2024-10-27T02:00:00.000Z']],
    // DST: America/New_York.
    ['30 2 * * *', 'America/New_York', '2024-03-09T12:00:00.000Z', ['2024-03-10T07:30:00.000Z', '2024-03-11T06:30:00.000Z']],
    ['30 1 * * *', 'America/New_York', '2024-11-02T12:00:00.000Z', ['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z']],
    ['0 9 * * *', 'America/New_York', '2024-03-09T12:00:00.000Z', ['2024-03-09T14:00:00.000Z', '2024-03-10T13:00:00.000Z']],
    // Lord Howe changes by half an hour, where cron-parser gives up; the trigger walks the fixed-offset stretches.
    ['0 12 * * *', 'Australia/Lord_Howe', '2013-04-05T08:00:00.000Z', ['2013-04-06T01:00:00.000Z', '2013-04-07T01:30:00.000Z', '2013-04-08T01:30:00.000Z']],
    ['0 * * * *', 'Australia/Lord_Howe', '2013-04-06T13:10:00.000Z', ['2013-04-06T14:00:00.000Z', '2013-04-06T15:30:00.000Z', '2013-04-06T16:30:00.000Z']],
    ['30 2 * * *', 'Australia/Lord_Howe', '2013-10-04T00:00:00.000Z', ['2013-10-04T16:00:00.000Z', '2013-10-05T15:30:00.000Z', '2013-10-06T15:30:00.000Z']],
    // Four years ahead through eight offset changes.
    ['0 0 29 2 *', 'Australia/Lord_Howe', '2024-03-01T00:00:00.000Z', ['2028-02-28T13:00:00.000Z']],
    // Chatham changes at 02:45, where cron-parser is an hour off: 03:59 exists on the change day.
    ['59 3 * * *', 'Pacific/Chatham', '2017-09-22T00:00:00.000Z', ['2017-09-22T15:14:00.000Z', '2017-09-23T14:14:00.000Z', '2017-09-24T14:14:00.000Z']],
    // 03:15 is in Chatham's gap: shifted forward by it, like 02:30 in Berlin.
    ['15 3 * * *', 'Pacific/Chatham', '2013-09-28T07:00:00.000Z', ['2013-09-28T14:30:00.000Z', '2013-09-29T13:30:00.000Z']],
    // Havana falls back at 01:00 to midnight: the daily midnight fires once, at its first occurrence.
    ['0 0 * * *', 'America/Havana', '2013-11-01T02:00:00.000Z', ['2013-11-01T04:00:00.000Z', '2013-11-02T04:00:00.000Z', '2013-11-03T04:00:00.000Z', '2013-11-04T05:00:00.000Z']],
  ])('should schedule %s in %s from %s', (expression, timeZone, now, expected) => {
    expect(dueTimes(cron(expression), timeZone, now, expected.length)).toEqual(expected);
  });

  it('should prefer the spec tz over the context zone', () => {
    expect(dueTimes(cron('0 9 * * *', 'Asia/Tokyo'), 'Europe/Berlin', '2024-03-31T11:00:00.000Z', 1)).toEqual([
      '2024-04-01T00:00:00.000Z',
    ]);
  });

  it('should put the 10 000th due time of a seconds cron exactly 10 000 s after the start', () => {
    const trigger = createTrigger(cron('* * * * * *'), { timeZone: 'Europe/Berlin' });
    // Across the fall-back hour: instants, so no second is lost or doubled.
    const start = ms('2024-10-27T00:00:00.000Z');
    let due = trigger.first(start)!;
    const gaps = new Set<number>();
    for (let i = 1; i < 10_000; i++) {
      const next = trigger.next(due)!;
      gaps.add(next - due);
      due = next;
    }
    expect([...gaps]).toEqual([1_000]);
    expect(due).toBe(start + 10_000 * 1_000);
  });

  it('should give 10 000 consecutive daily due times in New York, each strictly later', () => {
    const trigger = createTrigger(cron('15 12 * * *'), { timeZone: 'America/New_York' });
    let due = trigger.first(ms('2024-01-01T00:00:00.000Z'))!;
    let increasing = true;
    for (let i = 1; i < 10_000; i++) {
      const next = trigger.next(due)!;
      increasing &&= next > due;
      due = next;
    }
    expect(increasing).toBe(true);
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' });
    expect(date.format(due)).toBe(`${new Date(Date.UTC(2024, 0, 1) + 9_999 * 86_400_000).toISOString().slice(0, 10)}, 12:15`);
  });

  it('should compute once for many identical crons asking about the same previous due time', () => {
    // A pair no other test uses, so the shared memo starts empty for it.
    const spec = cron('7 * * * * *', 'Pacific/Auckland');
    const triggers = Array.from({ length: 10_000 }, () => createTrigger(spec, { timeZone: 'UTC' }));
    const previous = ms('2024-06-01T00:00:00.000Z');
    const next = jest.spyOn(CronExpression.prototype, 'next');
    try {
      const results = new Set(triggers.map((trigger) => trigger.next(previous)));
      expect([...results]).toEqual([ms('2024-06-01T00:00:07.000Z')]);
      expect(next).toHaveBeenCalledTimes(1);
    } finally {
      next.mockRestore();
    }
  });

  it('should not let different zones share a memoised result', () => {
    const berlin = createTrigger(cron('0 9 * * *', 'Europe/Berlin'), { timeZone: 'UTC' });
    const tokyo = createTrigger(cron('0 9 * * *', 'Asia/Tokyo'), { timeZone: 'UTC' });
    const now = ms('2024-03-31T11:00:00.000Z');
    expect([iso(berlin.first(now)), iso(tokyo.first(now))]).toEqual(['2024-04-01T07:00:00.000Z', '2024-04-01T00:00:00.000Z']);
  });

  it.each<[string, string, boolean]>([
    // DST changed at local midnight until 2019, then DST was abolished.
    ['America/Sao_Paulo', '2015-06-01T00:00:00Z', true],
    ['America/Sao_Paulo', '2030-06-01T00:00:00Z', false],
    ['Europe/Berlin', '2015-06-01T00:00:00Z', false],
    ['Australia/Lord_Howe', '2040-06-01T00:00:00Z', true],
  ])('should judge cron-parser in %s by the zone rules around the instant computed (%s), not around today', (zone, at, unreliable) => {
    expect(cronParserUnreliable(zone, ms(at))).toBe(unreliable);
  });

  it('should shift a wall time skipped by a midnight DST gap in a past year (São Paulo, 2015)', () => {
    // 2015-10-18 00:00 -03 became 01:00 -02: 00:30 does not exist that night.
    expect(dueTimes(cron('30 0 * * *', 'America/Sao_Paulo'), 'UTC', '2015-10-17T12:00:00.000Z', 3)).toEqual([
      '2015-10-18T03:30:00.000Z',
      '2015-10-19T02:30:00.000Z',
      '2015-10-20T02:30:00.000Z',
    ]);
  });
});
