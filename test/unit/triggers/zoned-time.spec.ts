import { instantOfWallTime, isValidTimeZone, nextOffsetChange, offsetAt, wallTimeAt } from '../../../lib/triggers/zoned-time';

const ms = (iso: string): number => Date.parse(iso);
const iso = (instant: number | null): string | null => (instant === null ? null : new Date(instant).toISOString());
/** A wall time written as `YYYY-MM-DDTHH:MM:SS`, read as if it were UTC. */
const wall = (text: string): number => Date.parse(`${text}Z`);

describe('zoned time', () => {
  it.each<[string, string, number]>([
    ['UTC', '2024-03-31T11:00:00Z', 0],
    ['Europe/Istanbul', '2024-03-31T11:00:00Z', 3 * 3_600_000],
    ['Europe/Berlin', '2024-03-31T00:59:59Z', 3_600_000],
    ['Europe/Berlin', '2024-03-31T01:00:00Z', 2 * 3_600_000],
    ['America/New_York', '2024-11-03T05:59:59Z', -4 * 3_600_000],
    ['America/New_York', '2024-11-03T06:00:00Z', -5 * 3_600_000],
    ['Asia/Kolkata', '2024-03-31T11:00:00Z', 5.5 * 3_600_000],
    ['Asia/Kathmandu', '2024-03-31T11:00:00Z', 5.75 * 3_600_000],
  ])('should read the offset of %s at %s', (timeZone, instant, expected) => {
    expect(offsetAt(ms(instant), timeZone)).toBe(expected);
  });

  it('should read the wall-clock fields, midnight as hour 0', () => {
    expect(wallTimeAt(ms('2024-03-31T22:00:00.999Z'), 'Europe/Berlin')).toEqual({ year: 2024, month: 4, day: 1, hour: 0, minute: 0, second: 0 });
  });

  it.each<[string, string, string]>([
    ['Europe/Berlin', '2024-03-31T01:59:59', '2024-03-31T00:59:59.000Z'],
    // In the gap: shifted forward by the gap.
    ['Europe/Berlin', '2024-03-31T02:00:00', '2024-03-31T01:00:00.000Z'],
    ['Europe/Berlin', '2024-03-31T02:30:00', '2024-03-31T01:30:00.000Z'],
    ['Europe/Berlin', '2024-03-31T03:00:00', '2024-03-31T01:00:00.000Z'],
    // Twice: the first occurrence.
    ['Europe/Berlin', '2024-10-27T02:00:00', '2024-10-27T00:00:00.000Z'],
    ['Europe/Berlin', '2024-10-27T02:30:00', '2024-10-27T00:30:00.000Z'],
    ['Europe/Berlin', '2024-10-27T03:00:00', '2024-10-27T02:00:00.000Z'],
    ['America/New_York', '2024-03-10T02:30:00', '2024-03-10T07:30:00.000Z'],
    ['America/New_York', '2024-11-03T01:30:00', '2024-11-03T05:30:00.000Z'],
    ['Australia/Lord_Howe', '2024-10-06T02:15:00', '2024-10-05T15:45:00.000Z'],
    ['Australia/Lord_Howe', '2024-04-07T01:45:00', '2024-04-06T14:45:00.000Z'],
    ['Europe/Istanbul', '2024-03-31T14:00:00', '2024-03-31T11:00:00.000Z'],
  ])('should place the wall time in %s at %s at %s', (timeZone, wallTime, expected) => {
    expect(iso(instantOfWallTime(wall(wallTime), timeZone))).toBe(expected);
  });

  it.each<[string, string, number, string | null]>([
    ['Europe/Berlin', '2024-03-01T00:00:00Z', 60, '2024-03-31T01:00:00.000Z'],
    ['Europe/Berlin', '2024-03-31T01:00:00Z', 365, '2024-10-27T01:00:00.000Z'],
    ['Australia/Lord_Howe', '2024-03-01T00:00:00Z', 60, '2024-04-06T15:00:00.000Z'],
    ['UTC', '2024-03-01T00:00:00Z', 400, null],
    ['Europe/Berlin', '2024-03-01T00:00:00Z', 10, null],
  ])('should find the next offset change in %s after %s within %d days', (timeZone, from, days, expected) => {
    expect(iso(nextOffsetChange(ms(from), timeZone, days * 86_400_000))).toBe(expected);
  });

  it.each<[unknown, boolean]>([
    ['UTC', true],
    ['Europe/Berlin', true],
    ['America/New_York', true],
    ['Mars/Olympus_Mons', false],
    ['', false],
    [undefined, false],
    [42, false],
  ])('should tell whether %j is a time zone', (timeZone, expected) => {
    expect(isValidTimeZone(timeZone)).toBe(expected);
  });
});
