import fc from 'fast-check';
import type { AtDay } from '../../lib/interfaces/trigger-params.interface';
import {
  AT_DAYS,
  createTrigger,
  validateTriggerSpec,
} from '../../lib/triggers';
import {
  fcParameters,
  LAST_INSTANT,
  zoneAndInstantArb,
} from './reference/cron.arbitraries';
import { atSchedule, referenceNext } from './reference/schedule.reference';
import { compareWithReference } from './reference/trigger.check';
import { zoneModel } from './reference/zone.reference';

const WEEK_MS = 7 * 86_400_000;

interface AtCase {
  hour: number;
  minute: number;
  second: number;
  at: AtDay;
  zone: string;
  now: number;
}

/** Where `now` sits: anywhere, or exactly on / just around a due time ("when now equals the time exactly, it fires now"). */
type Snap = 'none' | 'exact' | 'before' | 'after';

const atCaseArb: fc.Arbitrary<[AtCase, Snap]> = fc.tuple(
  fc
    .record({
      // Every hour, with the DST hours (0–4) drawn more often.
      hour: fc.oneof(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 4 }),
      ),
      minute: fc.oneof(
        fc.integer({ min: 0, max: 59 }),
        fc.constantFrom(0, 15, 30, 45, 50),
      ),
      second: fc.oneof(fc.integer({ min: 0, max: 59 }), fc.constant(0)),
      at: fc.constantFrom(...AT_DAYS),
      zoneAndNow: zoneAndInstantArb,
    })
    .map(({ zoneAndNow: [zone, now], ...rest }) => ({ ...rest, zone, now })),
  fc.constantFrom<Snap>('none', 'none', 'exact', 'before', 'after'),
);

/** Moves `now` onto (or around) the reference's next due time. */
function snapped(c: AtCase, snap: Snap): AtCase {
  if (snap === 'none') return c;
  const schedule = atSchedule(c.hour, c.minute, c.second, c.at);
  const due = referenceNext(
    schedule,
    zoneModel(c.zone),
    c.now,
    true,
    c.now + 2 * WEEK_MS,
  );
  if (due === null) return c;
  return {
    ...c,
    now: due + (snap === 'exact' ? 0 : snap === 'before' ? -1 : 1),
  };
}

function check(c: AtCase): void {
  const spec = {
    type: 'at' as const,
    hour: c.hour,
    minute: c.minute,
    second: c.second,
    at: c.at,
    tz: c.zone,
  };
  validateTriggerSpec(spec);
  const trigger = createTrigger(spec, { timeZone: 'UTC' });
  const schedule = atSchedule(c.hour, c.minute, c.second, c.at);
  const mismatch = compareWithReference(
    trigger,
    schedule,
    c.zone,
    c.now,
    4,
    true,
  );
  if (mismatch) {
    const { fromMs: _f, gotMs: _g, expectedMs: _e, ...shown } = mismatch;
    throw new Error(
      `@At ${JSON.stringify({ ...c, now: new Date(c.now).toISOString() })}: ${JSON.stringify(shown)}`,
    );
  }
}

describe('@At trigger against a brute-force reference', () => {
  it('should give, from any instant in any zone, the first matching wall time at or after now, then each next one', () => {
    fc.assert(
      fc.property(atCaseArb, ([c, snap]) => {
        const moved = snapped(c, snap);
        fc.pre(moved.now <= LAST_INSTANT + WEEK_MS);
        check(moved);
      }),
      fcParameters(300),
    );
  });

  // Rows: DST nights in each zone, both directions, every hour around the change.
  it.each<[string, string, number, number]>([
    ['Europe/Berlin', '2024-03-30T12:00:00Z', 2, 30], // gap: 02:30 → 03:30 CEST
    ['Europe/Berlin', '2024-10-26T12:00:00Z', 2, 30], // repeat: first 02:30 (CEST)
    ['America/New_York', '2024-03-09T12:00:00Z', 2, 15],
    ['America/New_York', '2024-11-02T12:00:00Z', 1, 45],
    ['Australia/Lord_Howe', '2024-10-05T00:00:00Z', 2, 15], // 30-min gap: 02:15 → 02:45
    ['Australia/Lord_Howe', '2024-04-06T00:00:00Z', 1, 45], // 30-min repeat
    ['Pacific/Chatham', '2024-09-28T00:00:00Z', 2, 50], // gap 02:45–03:45 → 03:50
    ['Pacific/Chatham', '2024-04-06T00:00:00Z', 3, 30], // repeat 02:45–03:45
  ])(
    'should follow the DST rule in %s from %s at %d:%d',
    (zone, from, hour, minute) => {
      for (const at of ['every day', 'every sunday'] as AtDay[]) {
        check({ hour, minute, second: 0, at, zone, now: Date.parse(from) });
      }
    },
  );
});
