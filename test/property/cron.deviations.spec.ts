import { createTrigger } from '../../lib/triggers';

// Regression rows: each once failed the cron property test (cron-parser
// 5.10.6 alone departs from the README's DST rule on these nights: a wall time
// skipped by a gap fires shifted forward by the gap; a wall time that occurs
// twice fires at its first occurrence, or in both passes for hour field `*`).
// lib/triggers/cron.trigger.ts now gets them right; they stay as fixed rows.

describe('@Cron on DST nights (regression rows from the property test)', () => {
  it.each([
    // sub-hour-transition: Lord Howe skips 02:00–02:29 on its spring night; 02:15 → 02:45 (+11).
    {
      zone: 'Australia/Lord_Howe',
      cron: '15 2 * * *',
      from: '2024-10-05T00:00:00Z',
      due: '2024-10-05T15:45:00.000Z',
    },
    // sub-hour-transition: Chatham skips 02:45–03:44; 02:50 → 03:50 (+13:45).
    {
      zone: 'Pacific/Chatham',
      cron: '50 2 * * *',
      from: '2024-09-28T00:00:00Z',
      due: '2024-09-28T14:05:00.000Z',
    },
    // sub-hour-transition: Lord Howe repeats 01:30–01:59; an every-hour expression fires in both passes (as in Berlin).
    {
      zone: 'Australia/Lord_Howe',
      cron: '*/15 * * * *',
      from: '2024-04-06T14:45:00Z',
      due: '2024-04-06T15:00:00.000Z',
    },
    // second-pass: asked at 02:15 CET (second pass), `* 2 * * *` fired at 02:00–02:59 CEST already.
    {
      zone: 'Europe/Berlin',
      cron: '* 2 * * *',
      from: '2024-10-27T01:15:00Z',
      due: '2024-10-28T01:00:00.000Z',
    },
    // gap-hour-once: 02:01 does not exist; shifted by the gap it is 03:01 CEST.
    {
      zone: 'Europe/Berlin',
      cron: '* 2 * * *',
      from: '2024-03-31T01:00:00Z',
      due: '2024-03-31T01:01:00.000Z',
    },
    // stale-repeat-flag: asked in the last second before the fall-back, Monday 01:45 is skipped for a week.
    {
      zone: 'America/New_York',
      cron: '45 1 * * 1',
      from: '2024-11-03T05:59:59.500Z',
      due: '2024-11-04T06:45:00.000Z',
    },
    // stale-repeat-flag: … and a monthly one for a month.
    {
      zone: 'America/New_York',
      cron: '45 1 29 * *',
      from: '2001-10-28T05:59:59.500Z',
      due: '2001-10-29T06:45:00.000Z',
    },
  ])(
    'should make "$cron" in $zone from $from due at $due',
    ({ zone, cron, from, due }) => {
      const trigger = createTrigger({ type: 'cron', cron }, { timeZone: zone });
      const got = trigger.first(Date.parse(from));
      expect(got === null ? null : new Date(got).toISOString()).toBe(due);
    },
  );
});
