import { VirtualClock } from '../../../lib/clock/virtual-clock';
import { AioClockError } from '../../../lib/errors/aioclock.error';
import { InvalidTriggerError } from '../../../lib/errors/invalid-trigger.error';
import { TaskNotFoundError } from '../../../lib/errors/task-not-found.error';
import { lateSkips, skipReasons } from '../../../lib/aioclock.messages';
import type { TaskContext } from '../../../lib/interfaces/task-context.interface';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import { LATE_SKIP_EVENTS } from '../../../lib/scheduler/scheduler.constants';
import { ManualClock, setup, sleep, task, T0 } from './scheduler.fixtures';

describe('Scheduler firing', () => {
  it('should fire tasks in due-time order, each run seeing its own due time', async () => {
    const { clock, scheduler } = setup();
    const seen: string[] = [];
    const record = (label: string) => (ctx: TaskContext) =>
      seen.push(
        `${label}@${ctx.scheduledAt.getTime() - T0}/${ctx.startedAt.getTime() - T0}/${clock.timestamp() - T0}`,
      );
    scheduler.addTask(
      task('three', { type: 'every', seconds: 3 }, record('3s')),
    );
    scheduler.addTask(
      task('five', { type: 'every', seconds: 5 }, record('5s')),
    );
    await scheduler.start();

    await clock.advance(10_000);

    expect(seen).toEqual([
      '3s@3000/3000/3000',
      '5s@5000/5000/5000',
      '3s@6000/6000/6000',
      '3s@9000/9000/9000',
      '5s@10000/10000/10000',
    ]);
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should keep a fixed rate over 10 000 runs with zero drift while each run takes virtual time', async () => {
    const { clock, scheduler } = setup();
    const scheduled: number[] = [];
    const late: number[] = [];
    scheduler.addTask(
      task('steady', { type: 'every', seconds: 1 }, async (ctx) => {
        scheduled.push(ctx.scheduledAt.getTime());
        if (ctx.startedAt.getTime() !== ctx.scheduledAt.getTime())
          late.push(ctx.scheduledAt.getTime());
        await sleep(clock, 300);
      }),
    );
    await scheduler.start();

    await clock.advance(10_000 * 1_000);

    expect(scheduled).toHaveLength(10_000);
    expect(scheduled.every((at, k) => at === T0 + (k + 1) * 1_000)).toBe(true);
    expect(late).toEqual([]);
    expect(scheduler.getTask('steady')).toMatchObject({
      runs: 10_000,
      skipped: 0,
      failures: 0,
    });
    await scheduler.stop(0);
  });

  it("should fire an 'immediate' every task at start, then every interval", async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(
      task('now', { type: 'every', seconds: 2, firstRunStrategy: 'immediate' }),
    );
    await scheduler.start();

    await clock.advance(4_000);

    expect(offsets('started')).toEqual([0, 2_000, 4_000]);
    await scheduler.stop(0);
  });

  it('should fire cron, at and or triggers at their due times, coinciding or members once', async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(task('cron', { type: 'cron', cron: '*/20 * * * * *' }));
    scheduler.addTask(
      task('at', { type: 'at', hour: 11, minute: 1, second: 30 }),
    );
    scheduler.addTask(
      task('or', {
        type: 'or',
        triggers: [
          { type: 'every', seconds: 15 },
          { type: 'every', seconds: 25 },
        ],
      }),
    );
    await scheduler.start();

    await clock.advance(90_000);

    expect(offsets('started', 'cron')).toEqual([
      20_000, 40_000, 60_000, 80_000,
    ]);
    expect(offsets('started', 'at')).toEqual([90_000]);
    expect(offsets('started', 'or')).toEqual([
      15_000, 25_000, 30_000, 45_000, 50_000, 60_000, 75_000, 90_000,
    ]);
    await scheduler.stop(0);
  });

  it('should run a once task once, right after start, then report it finished', async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(task('once', { type: 'once' }));
    await scheduler.start();

    await clock.advance(60_000);

    expect(offsets('started')).toEqual([0]);
    expect(scheduler.getTask('once')).toMatchObject({
      runs: 1,
      finished: true,
      nextRunAt: null,
    });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should report each armed due time as scheduled and expose it as nextRunAt', async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(task('tick', { type: 'every', minutes: 1 }));
    expect(scheduler.getTask('tick').nextRunAt).toBeNull();
    await scheduler.start();

    expect(scheduler.getTask('tick').nextRunAt).toEqual(new Date(T0 + 60_000));
    await clock.advance(60_000);

    expect(offsets('scheduled')).toEqual([60_000, 120_000]);
    expect(scheduler.getTask('tick')).toMatchObject({
      nextRunAt: new Date(T0 + 120_000),
      lastRunAt: new Date(T0 + 60_000),
      runs: 1,
      running: false,
    });
    await scheduler.stop(0);
  });

  it('should run exactly maxLoopCount times, then be finished with nothing armed', async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(
      task('thrice', { type: 'every', seconds: 1, maxLoopCount: 3 }),
    );
    await scheduler.start();

    await clock.advance(10_000);

    expect(offsets('started')).toEqual([1_000, 2_000, 3_000]);
    expect(scheduler.getTask('thrice')).toMatchObject({
      runs: 3,
      finished: true,
      nextRunAt: null,
    });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should report a task finished only after its last run has ended, not while it runs', async () => {
    const { clock, scheduler } = setup();
    const seen: string[] = [];
    const look = (name: string) => () => {
      const info = scheduler.getTask(name);
      seen.push(`${name}: running=${info.running} finished=${info.finished}`);
    };
    scheduler.addTask(task('once', { type: 'once' }, look('once')));
    scheduler.addTask(
      task('last', { type: 'every', seconds: 1, maxLoopCount: 2 }, async () => {
        look('last')();
        await sleep(clock, 500);
      }),
    );
    await scheduler.start();

    await clock.advance(2_000);
    expect(scheduler.getTask('last').finished).toBe(false);
    await clock.advance(500);

    expect(seen).toEqual([
      'once: running=true finished=false',
      'last: running=true finished=false',
      'last: running=true finished=false',
    ]);
    expect(scheduler.getTask('once').finished).toBe(true);
    expect(scheduler.getTask('last').finished).toBe(true);
  });

  it('should not report a next due time as scheduled once maxLoopCount is reached', async () => {
    const { clock, scheduler, events } = setup();
    let nextRunAt: Date | null | undefined;
    scheduler.addTask(
      task('single', { type: 'every', seconds: 1, maxLoopCount: 1 }, () => {
        nextRunAt = scheduler.getTask('single').nextRunAt;
      }),
    );
    await scheduler.start();

    await clock.advance(5_000);

    expect(
      events.map((e) => `${e.type}@${e.scheduledAt.getTime() - T0}`),
    ).toEqual(['scheduled@1000', 'started@1000', 'succeeded@1000']);
    expect(nextRunAt).toBeNull();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should isolate failures: sync throws, rejections and non-Error throws are logged and the schedules go on', async () => {
    const { clock, scheduler, logger, events } = setup();
    const thrown: unknown[] = [
      new Error('sync boom'),
      'a string',
      undefined,
      { code: 42 },
    ];
    let k = 0;
    scheduler.addTask(
      task('throws', { type: 'every', seconds: 1 }, () => {
        throw thrown[k++];
      }),
    );
    scheduler.addTask(
      task('rejects', { type: 'every', seconds: 2 }, () =>
        Promise.reject(new Error('async boom')),
      ),
    );
    let healthy = 0;
    scheduler.addTask(
      task('healthy', { type: 'every', seconds: 1 }, () => healthy++),
    );
    await scheduler.start();

    await clock.advance(4_000);

    expect(healthy).toBe(4);
    expect(scheduler.getTask('throws')).toMatchObject({
      runs: 4,
      failures: 4,
      nextRunAt: new Date(T0 + 5_000),
    });
    expect(scheduler.getTask('rejects')).toMatchObject({
      runs: 2,
      failures: 2,
    });
    expect(logger.messages('error')).toEqual([
      'Task throws failed: sync boom',
      'Task throws failed: "a string"',
      'Task rejects failed: async boom',
      'Task throws failed: undefined',
      'Task throws failed: {"code":42}',
      'Task rejects failed: async boom',
    ]);
    expect(logger.lines[0].stack).toContain('sync boom');
    const failed = events
      .filter((e) => e.type === 'failed' && e.name === 'throws')
      .map((e) => e.error);
    expect(failed).toEqual(thrown);
    await scheduler.stop(0);
  });

  it('should fire ONE run for the latest passed due time after a late wake-up, skipping the older ones', async () => {
    const clock = new ManualClock(T0);
    const { scheduler, events } = setup({ clock: clock as never });
    const runs: number[] = [];
    scheduler.addTask(
      task('tick', { type: 'every', seconds: 1 }, (ctx) =>
        runs.push(ctx.scheduledAt.getTime() - T0),
      ),
    );
    await scheduler.start();
    expect(clock.armed()).toEqual([T0 + 1_000]);

    clock.set(T0 + 3_500); // the process was blocked for 3.5 s
    clock.fire();

    expect(runs).toEqual([3_000]);
    expect(scheduler.getTask('tick')).toMatchObject({
      runs: 1,
      skipped: 2,
      nextRunAt: new Date(T0 + 4_000),
    });
    expect(
      events
        .filter((e) => e.type === 'skipped')
        .map((e) => [e.scheduledAt.getTime() - T0, e.reason]),
    ).toEqual([
      [
        1_000,
        'missed: a later due time had already passed when the scheduler woke up',
      ],
      [
        2_000,
        'missed: a later due time had already passed when the scheduler woke up',
      ],
    ]);
    expect(clock.armed()).toEqual([T0 + 4_000]);
  });

  describe('when the scheduler wakes up long after many due times', () => {
    const LATE = skipReasons.late;

    it.each<[string, TriggerSpec, number]>([
      [
        'an every task (jumped over arithmetically)',
        { type: 'every', seconds: 0.01 },
        8 * 3_600_000,
      ],
      [
        'an or task (stepped through)',
        { type: 'or', triggers: [{ type: 'every', seconds: 0.01 }] },
        600_000,
      ],
    ])(
      'should count every missed due time of %s but report at most LATE_SKIP_EVENTS of them one by one and the rest in one event',
      async (_name, trigger, asleep) => {
        const clock = new ManualClock(T0);
        const { scheduler, events } = setup({ clock: clock as never });
        const runs: number[] = [];
        scheduler.addTask(
          task('fast', trigger, (ctx) =>
            runs.push(ctx.scheduledAt.getTime() - T0),
          ),
        );
        await scheduler.start();

        clock.set(T0 + asleep + 5); // suspended
        clock.fire();

        const missed = asleep / 10 - 1;
        expect(runs).toEqual([asleep]);
        expect(scheduler.getTask('fast')).toMatchObject({
          runs: 1,
          skipped: missed,
          nextRunAt: new Date(T0 + asleep + 10),
        });
        const skipped = events.filter((e) => e.type === 'skipped');
        expect(skipped).toHaveLength(LATE_SKIP_EVENTS + 1);
        expect(
          skipped.slice(0, LATE_SKIP_EVENTS).every((e) => e.reason === LATE),
        ).toBe(true);
        expect(skipped[LATE_SKIP_EVENTS - 1].scheduledAt).toEqual(
          new Date(T0 + LATE_SKIP_EVENTS * 10),
        );
        expect(skipped[LATE_SKIP_EVENTS]).toMatchObject({
          scheduledAt: new Date(T0 + (LATE_SKIP_EVENTS + 1) * 10),
          reason: lateSkips(missed - LATE_SKIP_EVENTS),
        });
        expect(clock.armed()).toEqual([T0 + asleep + 10]);
      },
    );
  });

  it('should not run a task when its timer wakes a millisecond early, and re-arm for the rest', async () => {
    const clock = new ManualClock(T0);
    const { scheduler } = setup({ clock: clock as never });
    const runs: number[] = [];
    scheduler.addTask(
      task('tick', { type: 'every', seconds: 1 }, (ctx) =>
        runs.push(ctx.scheduledAt.getTime() - T0),
      ),
    );
    await scheduler.start();

    clock.set(T0 + 999);
    clock.fire(true);
    expect(runs).toEqual([]);
    expect(clock.armed()).toEqual([T0 + 1_000]);

    clock.set(T0 + 1_000);
    clock.fire();
    expect(runs).toEqual([1_000]);
  });

  it('should run 10 000 tasks due at the same instant from one armed timer', async () => {
    const { clock, scheduler } = setup();
    scheduler.events$.subscribe(); // also the cost of building events
    let count = 0;
    for (let i = 0; i < 10_000; i++) {
      scheduler.addTask(
        task(`t${i}`, { type: 'every', seconds: 1 }, () => count++),
      );
    }
    await scheduler.start();
    expect(clock.pendingTimers()).toBe(1);

    await clock.advance(1_000);

    expect(count).toBe(10_000);
    expect(clock.pendingTimers()).toBe(1);
    await scheduler.stop(0);
  });

  it('should list tasks but never fire them when the scheduler, their group or the task is disabled', async () => {
    const off = setup({ enabled: false });
    off.scheduler.addTask(task('a', { type: 'every', seconds: 1 }));
    off.scheduler.addTask(task('b', { type: 'startup' }));
    await off.scheduler.start();
    await off.clock.advance(5_000);
    expect(
      off.scheduler
        .getTasks()
        .map((t) => [t.name, t.enabled, t.runs, t.nextRunAt]),
    ).toEqual([
      ['a', false, 0, null],
      ['b', false, 0, null],
    ]);
    expect(off.clock.pendingTimers()).toBe(0);

    const { clock, scheduler } = setup();
    scheduler.addGroup({ name: 'quiet', enabled: false });
    scheduler.addTask(
      task('in-quiet', { type: 'every', seconds: 1 }, undefined, {
        group: 'quiet',
      }),
    );
    scheduler.addTask(
      task('disabled', { type: 'forever' }, undefined, { enabled: false }),
    );
    scheduler.addTask(task('on', { type: 'every', seconds: 1 }));
    await scheduler.start();
    await clock.advance(3_000);
    expect(
      scheduler.getTasks().map((t) => [t.name, t.enabled, t.runs]),
    ).toEqual([
      ['in-quiet', false, 0],
      ['disabled', false, 0],
      ['on', true, 3],
    ]);
    await scheduler.stop(0);
  });

  it('should prefix trigger errors with the task name and refuse duplicate names', () => {
    const { scheduler } = setup();
    const bad = () =>
      scheduler.addTask(task('Jobs.bad', { type: 'every', hours: -1 }));
    expect(bad).toThrow(InvalidTriggerError);
    expect(bad).toThrow(
      'Jobs.bad: invalid hours: -1 (expected a finite number >= 0)',
    );

    scheduler.addTask(task('Jobs.same', { type: 'once' }));
    const duplicate = () =>
      scheduler.addTask(task('Jobs.same', { type: 'once' }));
    expect(duplicate).toThrow(AioClockError);
    expect(duplicate).toThrow('Duplicate task name "Jobs.same"');
    expect(() => scheduler.getTask('nope')).toThrow(TaskNotFoundError);
  });

  it('should schedule a task added after start', async () => {
    const { clock, scheduler, offsets } = setup();
    await scheduler.start();
    await clock.advance(500);
    scheduler.addTask(task('late', { type: 'every', seconds: 1 }));

    await clock.advance(2_000);

    expect(offsets('started')).toEqual([1_500, 2_500]);
    await scheduler.stop(0);
  });

  it('should work the same on a clock that starts at the epoch', async () => {
    const { clock, scheduler } = setup({ clock: new VirtualClock() });
    const seen: number[] = [];
    scheduler.addTask(
      task('t', { type: 'every', seconds: 1 }, (ctx) =>
        seen.push(ctx.scheduledAt.getTime()),
      ),
    );
    await scheduler.start();
    await clock.advance(2_000);
    expect(seen).toEqual([1_000, 2_000]);
    await scheduler.stop(0);
  });
});
