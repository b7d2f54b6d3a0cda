import type { AtSpec } from '../../../lib/interfaces/trigger-spec.interface';
import { createTrigger } from '../../../lib/triggers';

const ms = (iso: string): number => Date.parse(iso);
const iso = (instant: number | null): string | null => (instant === null ? null : new Date(instant).toISOString());
const at = (params: Omit<AtSpec, 'type'>): AtSpec => ({ type: 'at', ...params });

/** Sunday 2024-03-31 14:00 in Istanbul (UTC+3 all year). */
const SUNDAY_14H_ISTANBUL = ms('2024-03-31T11:00:00Z');

describe('at trigger', () => {
  it.each<[Omit<AtSpec, 'type'>, number]>([
    [{ at: 'every saturday', hour: 14 }, 518_400],
    [{ at: 'every sunday', hour: 13 }, 601_200],
    [{ at: 'every sunday', hour: 14, minute: 1 }, 60],
    [{ at: 'every sunday', hour: 14 }, 0],
  ])('should make %j due in %d s from Sunday 14:00 Istanbul', (params, seconds) => {
    const trigger = createTrigger(at(params), { timeZone: 'Europe/Istanbul' });
    expect(trigger.first(SUNDAY_14H_ISTANBUL)! - SUNDAY_14H_ISTANBUL).toBe(seconds * 1000);
  });

  it.each<[Omit<AtSpec, 'type'>, string]>([
    [{ at: 'every monday', hour: 9 }, '2024-04-01T06:00:00.000Z'],
    [{ at: 'every tuesday', hour: 9 }, '2024-04-02T06:00:00.000Z'],
    [{ at: 'every wednesday', hour: 9 }, '2024-04-03T06:00:00.000Z'],
    [{ at: 'every thursday', hour: 9 }, '2024-04-04T06:00:00.000Z'],
    [{ at: 'every friday', hour: 9 }, '2024-04-05T06:00:00.000Z'],
    [{ at: 'every saturday', hour: 9 }, '2024-04-06T06:00:00.000Z'],
    [{ at: 'every sunday', hour: 9 }, '2024-04-07T06:00:00.000Z'],
    [{ at: 'every sunday', hour: 23, minute: 59, second: 59 }, '2024-03-31T20:59:59.000Z'],
    [{ at: 'every day', hour: 14 }, '2024-03-31T11:00:00.000Z'],
    [{ at: 'every day', hour: 13, minute: 59, second: 59 }, '2024-04-01T10:59:59.000Z'],
    [{ hour: 15 }, '2024-03-31T12:00:00.000Z'],
    [{}, '2024-03-31T21:00:00.000Z'],
  ])('should make %j first due at %s from Sunday 14:00 Istanbul', (params, expected) => {
    const trigger = createTrigger(at(params), { timeZone: 'Europe/Istanbul' });
    expect(iso(trigger.first(SUNDAY_14H_ISTANBUL))).toBe(expected);
  });

  it('should fire now when now is the time exactly, and next strictly after', () => {
    const trigger = createTrigger(at({ hour: 14 }), { timeZone: 'Europe/Istanbul' });
    const due = trigger.first(SUNDAY_14H_ISTANBUL)!;
    expect(due).toBe(SUNDAY_14H_ISTANBUL);
    expect(iso(trigger.next(due))).toBe('2024-04-01T11:00:00.000Z');
    expect(iso(trigger.first(SUNDAY_14H_ISTANBUL + 1))).toBe('2024-04-01T11:00:00.000Z');
  });

  it('should prefer the spec tz over the context zone', () => {
    const trigger = createTrigger(at({ hour: 9, tz: 'Asia/Tokyo' }), { timeZone: 'Europe/Istanbul' });
    expect(iso(trigger.first(SUNDAY_14H_ISTANBUL))).toBe('2024-04-01T00:00:00.000Z');
  });

  // [zone, params, now, first due, next due, the one after]
  it.each<[string, Omit<AtSpec, 'type'>, string, string, string, string]>([
    // Spring forward: 02:30 does not exist, it is shifted by the gap to 03:30 CEST.
    ['Europe/Berlin', { hour: 2, minute: 30 }, '2024-03-30T12:00:00Z', '2024-03-31T01:30:00.000Z', '2024-04-01T00:30:00.000Z', '2024-04-02T00:30:00.000Z'],
    // Fall back: 02:30 occurs twice, fires at the first (CEST), the next day is 25 h later.
    ['Europe/Berlin', { hour: 2, minute: 30 }, '2024-10-26T12:00:00Z', '2024-10-27T00:30:00.000Z', '2024-10-28T01:30:00.000Z', '2024-10-29T01:30:00.000Z'],
    // Around the change but at an unaffected time: 24 h - 1 h, then 24 h.
    ['Europe/Berlin', { hour: 12 }, '2024-03-30T12:00:00Z', '2024-03-31T10:00:00.000Z', '2024-04-01T10:00:00.000Z', '2024-04-02T10:00:00.000Z'],
    ['Europe/Berlin', { hour: 12 }, '2024-10-26T09:00:00Z', '2024-10-26T10:00:00.000Z', '2024-10-27T11:00:00.000Z', '2024-10-28T11:00:00.000Z'],
    // The boundary hours themselves.
    ['Europe/Berlin', { hour: 2 }, '2024-03-30T12:00:00Z', '2024-03-31T01:00:00.000Z', '2024-04-01T00:00:00.000Z', '2024-04-02T00:00:00.000Z'],
    ['Europe/Berlin', { hour: 3 }, '2024-03-30T12:00:00Z', '2024-03-31T01:00:00.000Z', '2024-04-01T01:00:00.000Z', '2024-04-02T01:00:00.000Z'],
    ['Europe/Berlin', { hour: 2, minute: 59, second: 59 }, '2024-10-26T12:00:00Z', '2024-10-27T00:59:59.000Z', '2024-10-28T01:59:59.000Z', '2024-10-29T01:59:59.000Z'],
    // Weekly across the change: the missing Sunday 02:30 is shifted, the next week is back to 02:30 CEST.
    ['Europe/Berlin', { at: 'every sunday', hour: 2, minute: 30 }, '2024-03-20T00:00:00Z', '2024-03-24T01:30:00.000Z', '2024-03-31T01:30:00.000Z', '2024-04-07T00:30:00.000Z'],
    ['America/New_York', { hour: 2, minute: 30 }, '2024-03-09T12:00:00Z', '2024-03-10T07:30:00.000Z', '2024-03-11T06:30:00.000Z', '2024-03-12T06:30:00.000Z'],
    ['America/New_York', { hour: 1, minute: 30 }, '2024-11-02T12:00:00Z', '2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z', '2024-11-05T06:30:00.000Z'],
    ['America/New_York', { hour: 9 }, '2024-03-09T12:00:00Z', '2024-03-09T14:00:00.000Z', '2024-03-10T13:00:00.000Z', '2024-03-11T13:00:00.000Z'],
    ['America/New_York', { at: 'every sunday', hour: 1, minute: 30 }, '2024-11-01T00:00:00Z', '2024-11-03T05:30:00.000Z', '2024-11-10T06:30:00.000Z', '2024-11-17T06:30:00.000Z'],
    // Midnight does not exist on 2018-11-04 in São Paulo (00:00 -> 01:00).
    ['America/Sao_Paulo', { hour: 0 }, '2018-11-03T12:00:00Z', '2018-11-04T03:00:00.000Z', '2018-11-05T02:00:00.000Z', '2018-11-06T02:00:00.000Z'],
  ])('should compute on instants in %s for %j from %s', (timeZone, params, now, first, second, third) => {
    const trigger = createTrigger(at(params), { timeZone });
    const a = trigger.first(ms(now))!;
    const b = trigger.next(a)!;
    expect([iso(a), iso(b), iso(trigger.next(b))]).toEqual([first, second, third]);
  });

  it('should find the time again from any instant of a DST day', () => {
    const trigger = createTrigger(at({ hour: 2, minute: 30 }), { timeZone: 'Europe/Berlin' });
    // Between the two occurrences of 02:30 on 2024-10-27: the first has passed, the second is not a run.
    expect(iso(trigger.first(ms('2024-10-27T01:00:00Z')))).toBe('2024-10-28T01:30:00.000Z');
    expect(iso(trigger.first(ms('2024-03-31T01:30:00Z')))).toBe('2024-03-31T01:30:00.000Z');
    expect(iso(trigger.first(ms('2024-03-31T01:30:00.001Z')))).toBe('2024-04-01T00:30:00.000Z');
  });

  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'])(
    'should keep the wall time over 10 000 consecutive days in %s',
    (timeZone) => {
      const trigger = createTrigger(at({ hour: 12, minute: 15 }), { timeZone });
      const format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      const start = ms('2024-01-01T00:00:00Z');
      let due = trigger.first(start)!;
      const wallTimes = new Set([format.format(due)]);
      const gaps = new Set<number>();
      for (let i = 1; i < 10_000; i++) {
        const next = trigger.next(due)!;
        gaps.add((next - due) / 60_000);
        wallTimes.add(format.format(next));
        due = next;
      }
      expect([...wallTimes]).toEqual(['12:15']);
      expect([...gaps].every((minutes) => minutes >= 23 * 60 && minutes <= 25 * 60)).toBe(true);
      // 10 000 runs, one per calendar day: the last is on 2024-01-01 + 9 999 days.
      const date = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      expect(date.format(due)).toBe(new Date(Date.UTC(2024, 0, 1) + 9_999 * 86_400_000).toISOString().slice(0, 10));
    },
  );

  it('should keep a weekly time on its weekday over 10 000 consecutive weeks', () => {
    const trigger = createTrigger(at({ at: 'every friday', hour: 18 }), { timeZone: 'America/New_York' });
    const weekday = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'long', hour: 'numeric', hourCycle: 'h23' });
    let due = trigger.first(ms('2024-01-01T00:00:00Z'))!;
    const seen = new Set([weekday.format(due)]);
    for (let i = 1; i < 10_000; i++) {
      due = trigger.next(due)!;
      seen.add(weekday.format(due));
    }
    expect([...seen]).toEqual(['Friday, 18']);
  });
});
