import { createTrigger } from '../../lib/triggers';

// Regression rows: each once failed the cron property test. The first due
// time lies in the image of a spring-forward gap (the first `gap` ms after the
// change), where existing wall times and skipped ones shifted by the gap
// interleave; @Cron answered later (a shifted time while an existing one came
// first, or, asked from inside the image, past the shifted times). Expected
// values follow the README's DST rule.

describe('@Cron in the image of a spring-forward gap', () => {
  it.each([
    // Chatham skips 02:45–03:44 (+12:45 → +13:45 at 14:00Z): 03:45 exists and comes before 03:00 shifted to 04:00.
    {
      zone: 'Pacific/Chatham',
      cron: '0,45 3 * * *',
      from: '2024-09-28T00:00:00Z',
      due: '2024-09-28T14:00:00.000Z',
    },
    {
      zone: 'Pacific/Chatham',
      cron: '* 3 * * *',
      from: '2024-09-28T00:00:00Z',
      due: '2024-09-28T14:00:00.000Z',
    },
    // Lord Howe skips 02:00–02:29 (at 15:30Z): asked at 02:57:42 (+11), 02:58 exists and comes before 02:29 shifted to 02:59.
    {
      zone: 'Australia/Lord_Howe',
      cron: '29,58 2 * * *',
      from: '2038-10-02T15:57:42Z',
      due: '2038-10-02T15:58:00.000Z',
    },
    // Lord Howe: 02:30 exists and comes before 02:15 shifted to 02:45.
    {
      zone: 'Australia/Lord_Howe',
      cron: '15,30 2 * * *',
      from: '2024-10-05T00:00:00Z',
      due: '2024-10-05T15:30:00.000Z',
    },
    // Berlin, asked at 03:00:00.001 CEST on the spring night (a Sunday): 02:03 is due at 03:03 CEST.
    {
      zone: 'Europe/Berlin',
      cron: '*/3 2 * * 0',
      from: '2006-03-26T01:00:00.001Z',
      due: '2006-03-26T01:03:00.000Z',
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
