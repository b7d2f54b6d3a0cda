import { createTrigger } from '../../../lib/triggers/create-trigger';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import {
  MISSED_COUNT_LIMIT,
  missedDueTimes,
} from '../../../lib/scheduler/missed-due-times';

// The due times catch-up finds in a gap: the newest few without walking the
// whole gap, and how many there are in all.

const T = Date.parse('2024-03-31T00:00:00Z');
const S = 1_000;
const MIN = 60 * S;
const DAY = 86_400_000;

const fresh = (spec: TriggerSpec) => () =>
  createTrigger(spec, { timeZone: 'UTC', alignToEpoch: true });

describe('missedDueTimes', () => {
  it.each<[string, TriggerSpec, number, number, number, number[], number]>([
    [
      'every minute, 9 in the gap',
      { type: 'every', minutes: 1 },
      T,
      T + 10 * MIN,
      3,
      [T + 7 * MIN, T + 8 * MIN, T + 9 * MIN],
      9,
    ],
    [
      'every minute, ends excluded',
      { type: 'every', minutes: 1 },
      T,
      T + MIN,
      5,
      [],
      0,
    ],
    [
      'every second over a day',
      { type: 'every', seconds: 1 },
      T,
      T + DAY,
      2,
      [T + DAY - 2 * S, T + DAY - S],
      DAY / S - 1,
    ],
    [
      'a daily @At over a year',
      { type: 'at', hour: 9 },
      T + 9 * 3_600_000,
      T + 365 * DAY,
      1,
      [T + 364 * DAY + 9 * 3_600_000],
      364,
    ],
    [
      'a daily @At, the next day not passed',
      { type: 'at', hour: 9 },
      T + 9 * 3_600_000,
      T + DAY + 9 * 3_600_000,
      1,
      [],
      0,
    ],
    [
      'a cron every second over 10 minutes',
      { type: 'cron', cron: '* * * * * *' },
      T,
      T + 10 * MIN,
      2,
      [T + 10 * MIN - 2 * S, T + 10 * MIN - S],
      599,
    ],
    [
      'a cron at 9 and 17 over 3 days',
      { type: 'cron', cron: '0 9,17 * * *' },
      T,
      T + 3 * DAY,
      10,
      [0, 1, 2].flatMap((d) => [
        T + d * DAY + 9 * 3_600_000,
        T + d * DAY + 17 * 3_600_000,
      ]),
      6,
    ],
  ])('should find %s', (_title, spec, after, before, keep, newest, total) => {
    expect(missedDueTimes(fresh(spec), after, before, keep)).toEqual({
      newest,
      total,
      exact: true,
    });
  });

  it('should stop counting a cron without a jump at the limit', () => {
    const found = missedDueTimes(
      fresh({ type: 'cron', cron: '* * * * * *' }),
      T,
      T + 3_600_000,
      1,
    );
    expect(found).toEqual({
      newest: [T + 3_600_000 - S],
      total: MISSED_COUNT_LIMIT,
      exact: false,
    });
  });
});
