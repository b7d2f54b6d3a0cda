import { VirtualClock } from '../../../lib/clock/virtual-clock';
import { CronTrigger } from '../../../lib/triggers/cron.trigger';
import type { TaskOptions } from '../../../lib/interfaces/task-options.interface';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import { ManualClock, setup, task, T0 } from '../scheduler/scheduler.fixtures';

// startAt / endAt: due times outside the inclusive window do not exist, and a
// task past endAt is finished. 2024-03-31 is the spring-forward day in
// Europe/Berlin (02:00 CET -> 03:00 CEST, i.e. 01:00Z), so cron rows cross it.

interface WindowRow {
  title: string;
  start: string;
  trigger: TriggerSpec;
  window: Pick<TaskOptions, 'startAt' | 'endAt'>;
  advanceTo: string;
  fired: string[];
}

const BERLIN = 'Europe/Berlin';
const rows: WindowRow[] = [
  {
    title: 'an hourly @Cron across the DST gap, both ends inclusive',
    start: '2024-03-30T22:00:00Z', // 23:00 CET
    trigger: { type: 'cron', cron: '30 * * * *', tz: BERLIN },
    window: {
      startAt: '2024-03-31T00:30:00+01:00',
      endAt: '2024-03-31T04:30:00+02:00',
    },
    advanceTo: '2024-03-31T06:00:00Z',
    // 01:30 CET, then 03:30 CEST: the 02:xx hour does not exist that night.
    fired: [
      '2024-03-30T23:30:00.000Z',
      '2024-03-31T00:30:00.000Z',
      '2024-03-31T01:30:00.000Z',
      '2024-03-31T02:30:00.000Z',
    ],
  },
  {
    title: 'a daily @Cron at 02:00 whose DST-day run is shifted to 03:00 CEST',
    start: '2024-03-29T12:00:00Z',
    trigger: { type: 'cron', cron: '0 2 * * *', tz: BERLIN },
    window: {
      startAt: new Date('2024-03-30T00:00:00Z'),
      endAt: new Date('2024-04-01T00:00:00Z'),
    },
    advanceTo: '2024-04-03T00:00:00Z',
    fired: [
      '2024-03-30T01:00:00.000Z',
      '2024-03-31T01:00:00.000Z',
      '2024-04-01T00:00:00.000Z',
    ],
  },
  {
    title: 'an @Every keeping its grid from start, cut to the window',
    start: '2024-03-31T11:00:00Z',
    trigger: { type: 'every', seconds: 10 },
    window: {
      startAt: '2024-03-31T11:00:25Z',
      endAt: '2024-03-31T11:00:50Z',
    },
    advanceTo: '2024-03-31T11:02:00Z',
    fired: [
      '2024-03-31T11:00:30.000Z',
      '2024-03-31T11:00:40.000Z',
      '2024-03-31T11:00:50.000Z',
    ],
  },
  {
    title: 'only startAt: runs from it on, forever',
    start: '2024-03-31T11:00:00Z',
    trigger: { type: 'every', minutes: 1 },
    window: { startAt: '2024-03-31T11:02:30Z' },
    advanceTo: '2024-03-31T11:05:00Z',
    fired: [
      '2024-03-31T11:03:00.000Z',
      '2024-03-31T11:04:00.000Z',
      '2024-03-31T11:05:00.000Z',
    ],
  },
  {
    title: 'an endAt already passed: no due time at all',
    start: '2024-03-31T11:00:00Z',
    trigger: { type: 'every', seconds: 1 },
    window: { endAt: '2024-03-31T10:00:00Z' },
    advanceTo: '2024-03-31T11:01:00Z',
    fired: [],
  },
];

describe('Run window (startAt / endAt)', () => {
  it.each(rows)(
    'should fire only inside the window: $title',
    async ({ start, trigger, window, advanceTo, fired }) => {
      const clock = new VirtualClock(new Date(start));
      const { scheduler } = setup({ clock });
      const seen: string[] = [];
      scheduler.addTask(
        task(
          'w',
          trigger,
          (ctx) => void seen.push(ctx.scheduledAt.toISOString()),
          window,
        ),
      );
      await scheduler.start();
      await clock.advanceTo(new Date(advanceTo));

      expect(seen).toEqual(fired);
      const info = scheduler.getTask('w');
      expect(info.nextRunAt === null).toBe(info.finished);
      if (window.endAt !== undefined) expect(info.finished).toBe(true);
      await scheduler.stop(0);
    },
  );

  it('should keep a task with a future window unfinished and report its first due time', async () => {
    const { scheduler } = setup();
    scheduler.addTask(
      task('later', { type: 'every', hours: 1 }, () => undefined, {
        startAt: new Date(T0 + 5 * 3_600_000 + 1),
        endAt: new Date(T0 + 8 * 3_600_000),
      }),
    );
    await scheduler.start();

    expect(scheduler.getTask('later')).toMatchObject({
      nextRunAt: new Date(T0 + 6 * 3_600_000),
      finished: false,
    });
    await scheduler.stop(0);
  });

  it('should skip late due times and still stop at endAt after a long sleep', async () => {
    const clock = new ManualClock(T0);
    const { scheduler, offsets } = setup({ clock });
    scheduler.addTask(
      task('late', { type: 'every', seconds: 1 }, () => undefined, {
        endAt: new Date(T0 + 100_000),
      }),
    );
    await scheduler.start();
    // The process slept far past endAt: one run, for the last due time inside the window.
    clock.set(T0 + 3_600_000);
    clock.fire();

    expect(offsets('started', 'late')).toEqual([100_000]);
    expect(scheduler.getTask('late').finished).toBe(true);
    await scheduler.stop(0);
  });

  it("should not use up an @OrTrigger member's maxLoopCount on due times before startAt", async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(
      task(
        'T',
        {
          type: 'or',
          triggers: [
            { type: 'every', seconds: 10, maxLoopCount: 2 },
            { type: 'every', hours: 1 },
          ],
        } as TriggerSpec,
        () => undefined,
        { startAt: new Date(T0 + 60_000) },
      ),
    );
    await scheduler.start();
    await clock.advance(120_000);
    expect(offsets('started', 'T')).toEqual([60_000, 70_000]);
    await scheduler.stop(0);
  });

  it('should find the first due time of an @Cron with startAt weeks ahead in one step, not one per due time', async () => {
    const { scheduler } = setup();
    const startAt = T0 + 30 * 86_400_000 + 30_000;
    scheduler.addTask(
      task(
        'C',
        { type: 'cron', cron: '* * * * *', tz: 'UTC' },
        () => undefined,
        { startAt: new Date(startAt) },
      ),
    );
    const next = jest.spyOn(CronTrigger.prototype, 'next');
    await scheduler.start();
    expect(scheduler.getTask('C').nextRunAt).toEqual(
      new Date(startAt + 30_000),
    );
    // Stepping minute by minute called it 43 200 times (seconds of blocking).
    expect(next.mock.calls.length).toBeLessThan(10);
    next.mockRestore();
    await scheduler.stop(0);
  });
});
