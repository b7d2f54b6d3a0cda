import {
  backfillNotTimed,
  backfillTooLong,
  invalidBackfill,
} from '../../../lib/aioclock.messages';
import type {
  ClaimAnswer,
  Coordinator,
} from '../../../lib/coordination/coordinator.interface';
import { InvalidBackfillError } from '../../../lib/errors/invalid-backfill.error';
import { TaskNotFoundError } from '../../../lib/errors/task-not-found.error';
import type { OverlapPolicy } from '../../../lib/interfaces/task-options.interface';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import type { TaskDefinition } from '../../../lib/scheduler/task-definition';
import { setup, sleep, task, T0 } from '../scheduler/scheduler.fixtures';

// registry.backfill(name, from, to): each due time in the range, oldest
// first, ctx.catchUp === true, through the overlap policy and the claim.

const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();
const HOUR = 3_600_000;

interface RangeRow {
  title: string;
  trigger: TriggerSpec;
  extra?: Partial<TaskDefinition>;
  /** Advance this far before backfilling. */
  after: number;
  from: number;
  to: number;
  fired: number[];
}

const rows: RangeRow[] = [
  {
    title: 'an hourly cron, both ends inclusive',
    trigger: { type: 'cron', cron: '0 * * * *', tz: 'UTC' },
    after: 4 * HOUR,
    from: -3 * HOUR,
    to: 0,
    fired: [-3 * HOUR, -2 * HOUR, -HOUR, 0],
  },
  {
    title: "an @Every on its task's own grid",
    trigger: { type: 'every', seconds: 10 },
    after: 60_000,
    from: 5_000,
    to: 35_000,
    fired: [10_000, 20_000, 30_000],
  },
  {
    title: 'an empty range between two due times',
    trigger: { type: 'cron', cron: '0 * * * *', tz: 'UTC' },
    after: HOUR,
    from: 60_000,
    to: 120_000,
    fired: [],
  },
  {
    title: 'only the part inside startAt/endAt',
    trigger: { type: 'cron', cron: '0 * * * *', tz: 'UTC' },
    extra: { startAt: iso(-2 * HOUR), endAt: iso(-HOUR) },
    after: 0,
    from: -5 * HOUR,
    to: 0,
    fired: [-2 * HOUR, -HOUR],
  },
  {
    title: 'an @At every day across the Berlin DST night',
    trigger: { type: 'at', hour: 2, minute: 30, tz: 'Europe/Berlin' },
    after: 0,
    // 2024-03-29 .. 2024-03-31: 02:30 does not exist on the 31st (03:30 CEST).
    from: Date.parse('2024-03-29T00:00:00Z') - T0,
    to: 0,
    fired: [
      Date.parse('2024-03-29T01:30:00Z') - T0,
      Date.parse('2024-03-30T01:30:00Z') - T0,
      Date.parse('2024-03-31T01:30:00Z') - T0,
    ],
  },
];

/**
 * A started scheduler with a per-minute @Cron task 'c' under a coordinator
 * whose claims `answer` decides; `seen` gets each run's due time − T0.
 */
async function minuteCron(
  answer: (task: string, due: number, catchUp?: boolean) => ClaimAnswer,
) {
  const fence: Coordinator = {
    alignsToEpoch: true,
    claim: (name, due, _period, catchUp) =>
      Promise.resolve(answer(name, due, catchUp)),
    lease: () => Promise.resolve(true),
    release: () => Promise.resolve(),
  };
  const fixture = setup({ coordinator: fence });
  const seen: number[] = [];
  fixture.scheduler.addTask(
    task(
      'c',
      { type: 'cron', cron: '* * * * *', tz: 'UTC' },
      (ctx) => void seen.push(ctx.scheduledAt.getTime() - T0),
    ),
  );
  await fixture.scheduler.start();
  return { ...fixture, seen };
}

describe('backfill', () => {
  it.each(rows)(
    'should fire each due time in the range, oldest first: $title',
    async ({ trigger, extra, after, from, to, fired }) => {
      const { clock, scheduler } = setup();
      const seen: [number, boolean][] = [];
      scheduler.addTask(
        task(
          'b',
          trigger,
          (ctx) => {
            if (ctx.catchUp)
              seen.push([ctx.scheduledAt.getTime() - T0, ctx.catchUp]);
          },
          extra,
        ),
      );
      await scheduler.start();
      await clock.advance(after);

      await expect(
        scheduler.backfill('b', new Date(T0 + from), iso(to)),
      ).resolves.toBe(fired.length);
      expect(seen).toEqual(fired.map((due) => [due, true]));
      await scheduler.stop(0);
    },
  );

  it.each<[string, unknown, unknown, (now: string) => string]>([
    [
      'an unparsable from',
      'yesterday',
      iso(0),
      () =>
        invalidBackfill(
          'b',
          'from',
          'yesterday',
          'a valid Date or ISO 8601 string',
        ),
    ],
    [
      'an invalid Date to',
      iso(-HOUR),
      new Date(NaN),
      () =>
        invalidBackfill(
          'b',
          'to',
          new Date(NaN),
          'a valid Date or ISO 8601 string',
        ),
    ],
    [
      'a reversed range',
      iso(0),
      iso(-HOUR),
      () =>
        invalidBackfill(
          'b',
          'range',
          { from: iso(0), to: iso(-HOUR) },
          'from at or before to',
        ),
    ],
    [
      'a range in the future',
      iso(0),
      iso(HOUR),
      (now) =>
        invalidBackfill(
          'b',
          'to',
          iso(HOUR),
          `an instant not in the future (now: ${now})`,
        ),
    ],
    [
      'more than 1 000 due times',
      iso(-1_001 * 60_000),
      iso(0),
      () => backfillTooLong('b', 1_000),
    ],
  ])(
    'should reject %s naming the task and the value, firing nothing',
    async (_title, from, to, message) => {
      const { scheduler } = setup();
      let runs = 0;
      scheduler.addTask(
        task(
          'b',
          { type: 'cron', cron: '* * * * *', tz: 'UTC' },
          () => void runs++,
        ),
      );
      await scheduler.start();

      const refusal = scheduler.backfill('b', from, to);
      await expect(refusal).rejects.toThrow(
        new InvalidBackfillError(message(iso(0)), 'b'),
      );
      await expect(refusal).rejects.toBeInstanceOf(InvalidBackfillError);
      expect(runs).toBe(0);
      await scheduler.stop(0);
    },
  );

  it('should reject a task without due times and an unknown task', async () => {
    const { scheduler } = setup();
    scheduler.addTask(task('once', { type: 'once' }));
    await scheduler.start();

    await expect(
      scheduler.backfill('once', iso(-HOUR), iso(0)),
    ).rejects.toThrow(backfillNotTimed('once', 'once'));
    await expect(
      scheduler.backfill('nope', iso(-HOUR), iso(0)),
    ).rejects.toBeInstanceOf(TaskNotFoundError);
    await scheduler.stop(0);
  });

  // backfill × overlap: a scheduled run (due 60 000) takes 30 s; the backfill
  // of the two minutes before starts while it runs.
  it.each<[OverlapPolicy, number, string[]]>([
    // Both backfilled due times find the task busy and are skipped, as scheduled ones would be.
    ['skip', 0, ['60000@60000']],
    // They wait, in order, for the run in flight.
    ['bufferAll', 2, ['60000@60000', '-60000@90000', '0@90000']],
  ])(
    "should go through the overlap policy ('%s')",
    async (overlap, ran, starts) => {
      const { clock, scheduler } = setup();
      const seen: string[] = [];
      scheduler.addTask(
        task(
          'o',
          { type: 'cron', cron: '* * * * *', tz: 'UTC' },
          async (ctx) => {
            seen.push(
              `${ctx.scheduledAt.getTime() - T0}@${ctx.startedAt.getTime() - T0}`,
            );
            if (!ctx.catchUp) await sleep(clock, 30_000);
          },
          { overlap },
        ),
      );
      await scheduler.start();
      await clock.advance(61_000);
      const backfill = scheduler.backfill('o', iso(-60_000), iso(0));
      await clock.advance(40_000);

      await expect(backfill).resolves.toBe(ran);
      expect(seen.sort()).toEqual([...starts].sort());
      await scheduler.stop(0);
    },
  );

  it('should not run again a due time another replica already claimed', async () => {
    const claimed = new Set<string>([`c@${T0 - 60_000}`]);
    const { scheduler, offsets, seen } = await minuteCron((name, due) => {
      const key = `${name}@${due}`;
      const won = !claimed.has(key);
      claimed.add(key);
      return won;
    });

    await expect(scheduler.backfill('c', iso(-120_000), iso(0))).resolves.toBe(
      2,
    );
    expect(seen).toEqual([-120_000, 0]);
    expect(offsets('skipped', 'c')).toEqual([-60_000]);
    await scheduler.stop(0);
  });

  it('should run a due time only when its claim answers true, claimed as a catch-up (any replica may backfill)', async () => {
    const answers = new Map<number, ClaimAnswer>([
      [T0 - 180_000, 'notOwner'],
      [T0 - 120_000, 'busy'],
      [T0 - 60_000, false],
      [T0, true],
    ]);
    const asked: (boolean | undefined)[] = [];
    const { scheduler, offsets, seen } = await minuteCron(
      (_name, due, catchUp) => {
        asked.push(catchUp);
        return answers.get(due) ?? false;
      },
    );
    asked.length = 0;
    await expect(scheduler.backfill('c', iso(-180_000), iso(0))).resolves.toBe(
      1,
    );
    expect(seen).toEqual([0]);
    expect(asked).toEqual([true, true, true, true]);
    expect(offsets('skipped', 'c')).toEqual([-180_000, -120_000, -60_000]);
    await scheduler.stop(0);
  });
});
