// A pure table (no app); it lives beside the HTTP specs because only the dashboard uses it.
import type { TriggerSpec } from '../../../lib';
import {
  describeTrigger,
  formatDuration,
} from '../../../lib/http/aioclock-http.describe-trigger';

describe('describeTrigger', () => {
  it.each<[TriggerSpec, string]>([
    [{ type: 'every', seconds: 5 }, 'every 5 s'],
    [{ type: 'every', seconds: 90 }, 'every 1 min 30 s'],
    [{ type: 'every', minutes: 1, seconds: 30 }, 'every 1 min 30 s'],
    [{ type: 'every', hours: 36 }, 'every 1 d 12 h'],
    [{ type: 'every', weeks: 2 }, 'every 2 wk'],
    [{ type: 'every', seconds: 0.25 }, 'every 250 ms'],
    [
      {
        type: 'every',
        seconds: 3,
        firstRunStrategy: 'immediate',
        maxLoopCount: 1,
      },
      'every 3 s, first at start, 1 run',
    ],
    [
      { type: 'at', hour: 9, at: 'every monday', tz: 'Europe/Berlin' },
      'Mon 09:00 Europe/Berlin',
    ],
    [{ type: 'at', hour: 23, minute: 5, second: 7 }, 'daily 23:05:07'],
    [{ type: 'at' }, 'daily 00:00'],
    [{ type: 'cron', cron: '0 9 * * 1-5' }, 'cron 0 9 * * 1-5'],
    [
      { type: 'cron', cron: '@daily', tz: 'America/New_York', maxLoopCount: 3 },
      'cron @daily America/New_York, 3 runs',
    ],
    [{ type: 'once' }, 'once, at start'],
    [{ type: 'forever' }, 'back to back'],
    [{ type: 'startup' }, 'on start-up'],
    [{ type: 'shutdown' }, 'on shutdown'],
    [
      {
        type: 'or',
        triggers: [
          { type: 'every', seconds: 4 },
          { type: 'at', hour: 3, at: 'every sunday' },
        ],
        maxLoopCount: 2,
      },
      'every 4 s or Sun 03:00, 2 runs',
    ],
  ])('should describe %j as %j', (spec, words) => {
    expect(describeTrigger(spec)).toBe(words);
  });

  it('should format durations in the largest units that divide them', () => {
    expect(
      [0, 1, 1_000, 61_000, 3_600_000, 90_061_001].map(formatDuration),
    ).toEqual([
      '0 s',
      '1 ms',
      '1 s',
      '1 min 1 s',
      '1 h',
      '1 d 1 h 1 min 1 s 1 ms',
    ]);
  });
});
