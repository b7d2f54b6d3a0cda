import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import { approximatePeriodMs } from '../../../lib/triggers';

const NOW = Date.parse('2024-03-31T11:00:00Z'); // a Sunday

describe('approximatePeriodMs', () => {
  it.each<[TriggerSpec, number | null]>([
    [{ type: 'every', seconds: 5 }, 5_000],
    [{ type: 'every', days: 30, firstRunStrategy: 'immediate' }, 2_592_000_000],
    [{ type: 'at', hour: 9 }, 86_400_000],
    [{ type: 'at', hour: 9, at: 'every monday' }, 604_800_000],
    [{ type: 'cron', cron: '*/5 * * * *' }, 300_000],
    [{ type: 'cron', cron: '*/10 * * * * *' }, 10_000],
    // Weekdays only: the sampled gaps include the weekend.
    [{ type: 'cron', cron: '0 9 * * MON-FRI' }, 86_400_000],
    [{ type: 'cron', cron: '0 9 * * fri,sat,sun,mon' }, 345_600_000],
    [{ type: 'or', triggers: [{ type: 'every', seconds: 3 }, { type: 'every', seconds: 5 }] }, 3_000],
    [{ type: 'once' }, null],
    [{ type: 'forever' }, null],
    [{ type: 'startup' }, null],
    [{ type: 'shutdown' }, null],
    [{ type: 'or', triggers: [{ type: 'once' }] }, null],
  ])('should size %j at %s ms', (spec, expected) => {
    expect(approximatePeriodMs(spec, { timeZone: 'UTC' }, NOW)).toBe(expected);
  });

  it('should see the longer day of a DST change among the sampled gaps', () => {
    const spec: TriggerSpec = { type: 'at', hour: 12 };
    expect(approximatePeriodMs(spec, { timeZone: 'Europe/Berlin' }, Date.parse('2024-10-26T09:00:00Z'))).toBe(90_000_000);
  });
});
