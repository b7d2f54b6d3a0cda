import { AnyOfTrigger, createTrigger } from '../../../lib/triggers';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';

const utc = { timeZone: 'UTC' };
const ms = (iso: string): number => Date.parse(iso);

describe('createTrigger', () => {
  it('should hand tasks with the same stateless schedule one shared trigger', () => {
    const specs: TriggerSpec[] = [
      { type: 'every', seconds: 1 },
      { type: 'at', hour: 9, at: 'every monday' },
      { type: 'cron', cron: '*/5 * * * *' },
      { type: 'once' },
      { type: 'forever' },
      { type: 'startup' },
      { type: 'shutdown' },
    ];
    for (const spec of specs) {
      // A copy of the spec, as a second decorator would store it.
      expect(createTrigger({ ...spec }, utc)).toBe(
        createTrigger({ ...spec }, utc),
      );
    }
  });

  it('should share across specs that differ only in what the trigger does not compute', () => {
    // The scheduler counts maxLoopCount; the units only matter through their sum.
    expect(
      createTrigger({ type: 'every', minutes: 1, maxLoopCount: 3 }, utc),
    ).toBe(createTrigger({ type: 'every', seconds: 60 }, utc));
    // The module's zone is the default of a spec without tz.
    expect(
      createTrigger(
        { type: 'cron', cron: '0 9 * * *' },
        { timeZone: 'Asia/Tokyo' },
      ),
    ).toBe(
      createTrigger({ type: 'cron', cron: '0 9 * * *', tz: 'Asia/Tokyo' }, utc),
    );
  });

  it('should build distinct triggers for different parameters, zones and epoch alignment', () => {
    const pairs: [TriggerSpec, TriggerSpec, boolean?][] = [
      [
        { type: 'every', seconds: 1 },
        { type: 'every', seconds: 2 },
      ],
      [
        { type: 'every', seconds: 1 },
        { type: 'every', seconds: 1, firstRunStrategy: 'immediate' },
      ],
      [
        { type: 'at', hour: 9 },
        { type: 'at', hour: 9, at: 'every friday' },
      ],
      [
        { type: 'at', hour: 9 },
        { type: 'at', hour: 9, tz: 'Europe/Berlin' },
      ],
      [
        { type: 'cron', cron: '0 9 * * *' },
        { type: 'cron', cron: '0 9 * * *', tz: 'Europe/Berlin' },
      ],
      [
        { type: 'cron', cron: '0 9 * * *' },
        { type: 'cron', cron: '0 10 * * *' },
      ],
      [{ type: 'startup' }, { type: 'shutdown' }],
    ];
    for (const [a, b] of pairs)
      expect(createTrigger(a, utc)).not.toBe(createTrigger(b, utc));
    const spec: TriggerSpec = { type: 'every', seconds: 10 };
    const aligned = createTrigger(spec, {
      timeZone: 'UTC',
      alignToEpoch: true,
    });
    expect(aligned).not.toBe(createTrigger(spec, utc));
    expect(aligned.first(ms('2024-03-31T11:00:01.000Z'))).toBe(
      ms('2024-03-31T11:00:10.000Z'),
    );
    expect(createTrigger(spec, utc).first(ms('2024-03-31T11:00:01.000Z'))).toBe(
      ms('2024-03-31T11:00:11.000Z'),
    );
  });

  it('should build a new or trigger on every call, so each task counts its own members', () => {
    const spec: TriggerSpec = {
      type: 'or',
      triggers: [
        { type: 'every', seconds: 1, maxLoopCount: 1 },
        { type: 'every', seconds: 5 },
      ],
    };
    const a = createTrigger(spec, utc);
    const b = createTrigger(spec, utc);
    expect(a).toBeInstanceOf(AnyOfTrigger);
    expect(b).not.toBe(a);

    const start = ms('2024-03-31T11:00:00.000Z');
    const first = a.first(start)!;
    expect(first).toBe(start + 1_000);
    // a's one-run member is used up; b, untouched, still starts with it.
    expect(a.next(first)).toBe(start + 5_000);
    expect(b.first(start)).toBe(start + 1_000);
  });

  it('should keep working past its bound on distinct shared triggers, building the oldest again', () => {
    const spec: TriggerSpec = { type: 'every', seconds: 7_777 };
    const before = createTrigger(spec, utc);
    for (let i = 1; i <= 1_500; i++)
      createTrigger({ type: 'every', seconds: 100_000 + i }, utc);
    const after = createTrigger(spec, utc);
    expect(after).not.toBe(before);
    expect(after.first(0)).toBe(before.first(0));
    expect(createTrigger(spec, utc)).toBe(after);
  });
});
