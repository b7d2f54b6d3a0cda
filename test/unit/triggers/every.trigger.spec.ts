import type { EverySpec } from '../../../lib/interfaces/trigger-spec.interface';
import { EveryTrigger } from '../../../lib/triggers/every.trigger';
import { createTrigger, everyIntervalMs } from '../../../lib/triggers';

const ms = (iso: string): number => Date.parse(iso);
const iso = (instant: number | null): string | null => (instant === null ? null : new Date(instant).toISOString());
const every = (params: Omit<EverySpec, 'type'>): EverySpec => ({ type: 'every', ...params });

describe('every trigger', () => {
  it.each<[Omit<EverySpec, 'type'>, number]>([
    [{ seconds: 5 }, 5_000],
    [{ minutes: 1, seconds: 30 }, 90_000],
    [{ hours: 2 }, 7_200_000],
    [{ days: 30 }, 2_592_000_000],
    [{ weeks: 1, days: 1 }, 691_200_000],
    [{ seconds: 1, minutes: 1, hours: 1, days: 1, weeks: 1 }, 694_861_000],
    [{ seconds: 0.5 }, 500],
    [{ seconds: 1.1 }, 1_100],
    [{ minutes: 0.5 }, 30_000],
  ])('should turn %j into %d ms', (params, expected) => {
    expect(everyIntervalMs(every(params))).toBe(expected);
  });

  it.each<[string, Omit<EverySpec, 'type'>, string, string, string]>([
    ['wait (default)', { seconds: 5 }, '2024-03-31T11:00:00.250Z', '2024-03-31T11:00:05.250Z', '2024-03-31T11:00:10.250Z'],
    ['immediate', { seconds: 5, firstRunStrategy: 'immediate' }, '2024-03-31T11:00:00.250Z', '2024-03-31T11:00:00.250Z', '2024-03-31T11:00:05.250Z'],
    ['explicit wait', { minutes: 1, firstRunStrategy: 'wait' }, '2024-03-31T11:00:00.000Z', '2024-03-31T11:01:00.000Z', '2024-03-31T11:02:00.000Z'],
    // Thirty days across the Berlin DST change: instants, never wall-clock days.
    ['30 days', { days: 30 }, '2024-03-15T12:00:00.000Z', '2024-04-14T12:00:00.000Z', '2024-05-14T12:00:00.000Z'],
  ])('should run at start + k·interval (%s)', (_name, params, start, first, second) => {
    const trigger = createTrigger(every(params), { timeZone: 'Europe/Berlin' });
    const due = trigger.first(ms(start));
    expect(iso(due)).toBe(first);
    expect(iso(trigger.next(due!))).toBe(second);
  });

  it.each<[Omit<EverySpec, 'type'>, string, string]>([
    [{ seconds: 5 }, '2024-03-31T11:00:07.250Z', '2024-03-31T11:00:10.000Z'],
    [{ seconds: 5, firstRunStrategy: 'immediate' }, '2024-03-31T11:00:07.250Z', '2024-03-31T11:00:10.000Z'],
    [{ seconds: 5 }, '2024-03-31T11:00:10.000Z', '2024-03-31T11:00:15.000Z'],
    [{ seconds: 5, firstRunStrategy: 'immediate' }, '2024-03-31T11:00:10.000Z', '2024-03-31T11:00:10.000Z'],
    [{ hours: 1 }, '2024-03-31T11:20:00.000Z', '2024-03-31T12:00:00.000Z'],
    [{ minutes: 7 }, '2024-03-31T11:00:00.000Z', '2024-03-31T11:04:00.000Z'],
    // The epoch was a Thursday: weekly runs aligned to it fall on Thursdays 00:00Z.
    [{ weeks: 1 }, '2024-03-31T11:00:00.000Z', '2024-04-04T00:00:00.000Z'],
  ])('should align %j from %s to %s with alignToEpoch', (params, now, expected) => {
    const trigger = createTrigger(every(params), { timeZone: 'UTC', alignToEpoch: true });
    const due = trigger.first(ms(now));
    expect(iso(due)).toBe(expected);
    expect(due! % everyIntervalMs(every(params))).toBe(0);
  });

  it('should give replicas started at different moments the same aligned due times', () => {
    const a = createTrigger(every({ seconds: 10 }), { timeZone: 'UTC', alignToEpoch: true });
    const b = createTrigger(every({ seconds: 10 }), { timeZone: 'UTC', alignToEpoch: true });
    const fromA = a.first(ms('2024-03-31T11:00:01.000Z'))!;
    const fromB = b.first(ms('2024-03-31T11:00:03.500Z'))!;
    expect(fromA).toBe(fromB);
    expect(a.next(fromA)).toBe(b.next(fromB));
  });

  it.each<[Omit<EverySpec, 'type'>, boolean]>([
    [{ seconds: 1 }, false],
    [{ seconds: 3 }, true],
    [{ days: 30 }, false],
    [{ seconds: 0.25, firstRunStrategy: 'immediate' }, false],
  ])('should put the 10 000th due time of %j exactly at start + 10 000·interval (aligned: %s)', (params, align) => {
    const interval = everyIntervalMs(every(params));
    const trigger = createTrigger(every(params), { timeZone: 'UTC', alignToEpoch: align });
    const start = align ? 1_711_882_800_000 : 1_711_882_800_123; // 2024-03-31T11:00Z (+123 ms)
    const immediate = params.firstRunStrategy === 'immediate';
    let due = trigger.first(start)!;
    const gaps = new Set<number>();
    for (let k = 1; k < 10_000; k++) {
      const next = trigger.next(due)!;
      gaps.add(next - due);
      due = next;
    }
    expect([...gaps]).toEqual([interval]);
    // 'wait' starts at k = 1, 'immediate' at k = 0.
    expect(due).toBe(start + (immediate ? 9_999 : 10_000) * interval);
  });

  it.each([
    ['on a due time', 10_000, 10_000, { due: 10_000, passed: 0 }],
    ['just before the next', 10_000, 10_009, { due: 10_000, passed: 0 }],
    ['on a later due time', 10_000, 10_030, { due: 10_030, passed: 3 }],
    ['8 h later', 10_000, 10_000 + 28_800_005, { due: 10_000 + 28_800_000, passed: 2_880_000 }],
  ])('should jump to the last due time at or before now %s, as repeated next() would', (_name, from, now, expected) => {
    const trigger = new EveryTrigger(10, false, false);
    expect(trigger.lastAtOrBefore(from, now)).toEqual(expected);
    let due = from;
    let passed = 0;
    for (let next = trigger.next(due); next <= now && passed < 100; next = trigger.next(due)) [due, passed] = [next, passed + 1];
    if (passed < 100) expect({ due, passed }).toEqual(expected);
  });
});
