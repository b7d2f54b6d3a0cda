import fc from 'fast-check';
import { createTrigger, validateTriggerSpec } from '../../lib/triggers';
import {
  cronModelArb,
  fcParameters,
  zoneAndInstantArb,
} from './reference/cron.arbitraries';
import {
  type CronModel,
  cronSchedule,
  renderCron,
} from './reference/cron.reference';
import { compareWithReference } from './reference/trigger.check';

/** cron-parser refuses day-of-month values no listed month has (`31 APR`); that is a valid answer, not a mismatch. */
const NEVER_IN_MONTHS = 'Invalid explicit day of month definition';

/**
 * Checks three due times of the expression from `now` against the reference;
 * any mismatch fails (no deviation is tolerated any more).
 */
function check(model: CronModel, zone: string, now: number): void {
  const cron = renderCron(model);
  try {
    validateTriggerSpec({ type: 'cron', cron, tz: zone });
  } catch (error) {
    if (String(error).includes(NEVER_IN_MONTHS)) return;
    throw error;
  }
  const trigger = createTrigger({ type: 'cron', cron }, { timeZone: zone });
  const schedule = cronSchedule(model);
  const mismatch = compareWithReference(trigger, schedule, zone, now, 3, false);
  if (!mismatch) return;
  const { fromMs: _f, gotMs: _g, expectedMs: _e, ...shown } = mismatch;
  throw new Error(
    `@Cron(${JSON.stringify(cron)}) in ${zone} from ${new Date(now).toISOString()}: ${JSON.stringify(shown)}`,
  );
}

const star = (): CronModel['minute'] => ({
  items: [{ kind: 'star', text: '*' }],
});
const values = (...vs: number[]): CronModel['minute'] => ({
  items: vs.map((value) => ({ kind: 'value' as const, value })),
});
const daily = (hour: number, minute: number): CronModel => ({
  minute: values(minute),
  hour: values(hour),
  dayOfMonth: star(),
  month: star(),
  dayOfWeek: star(),
});

describe('@Cron trigger against a brute-force reference', () => {
  it('should give the first match strictly after now, read in the zone, with no match in between', () => {
    fc.assert(
      fc.property(cronModelArb, zoneAndInstantArb, (model, [zone, now]) =>
        check(model, zone, now),
      ),
      fcParameters(300),
    );
  });

  // DST rows (the README's rule); more regression rows are in cron.deviations.spec.ts.
  it.each(
    [
      {
        zone: 'Europe/Berlin',
        model: daily(2, 30),
        from: '2024-03-30T12:00:00Z',
      }, // gap: 03:30 CEST
      {
        zone: 'Europe/Berlin',
        model: daily(2, 30),
        from: '2024-10-26T12:00:00Z',
      }, // repeat: 02:30 CEST only
      {
        zone: 'Europe/Berlin',
        model: { ...daily(0, 0), minute: values(0, 30), hour: star() },
        from: '2024-10-26T23:00:00Z',
      }, // hourly: both passes
      {
        zone: 'America/New_York',
        model: daily(2, 0),
        from: '2024-03-09T12:00:00Z',
      },
      {
        zone: 'America/New_York',
        model: daily(1, 30),
        from: '2024-11-02T12:00:00Z',
      },
      {
        zone: 'Pacific/Chatham',
        model: daily(3, 0),
        from: '2024-09-28T00:00:00Z',
      }, // gap 02:45–03:45: 03:00 → 04:00
      {
        zone: 'Pacific/Chatham',
        model: daily(3, 30),
        from: '2024-04-06T00:00:00Z',
      }, // repeat: first only
      {
        zone: 'Australia/Lord_Howe',
        model: daily(1, 45),
        from: '2024-04-06T00:00:00Z',
      }, // 30-min repeat: first only
    ].map((row) => ({ ...row, cron: renderCron(row.model) })),
  )(
    'should follow the DST rule in $zone for "$cron" from $from',
    ({ zone, model, from }) => {
      check(model, zone, Date.parse(from));
    },
  );
});
