import { schedulerStopping, taskBusy } from '../../../lib/aioclock.messages';
import { AioClockError } from '../../../lib/errors/aioclock.error';
import { SchedulerStoppingError } from '../../../lib/errors/scheduler-stopping.error';
import { TaskBusyError } from '../../../lib/errors/task-busy.error';
import { TaskTimeoutError } from '../../../lib/errors/task-timeout.error';
import type { OverlapPolicy } from '../../../lib/interfaces/task-options.interface';
import {
  abortableSleep,
  deferred,
  setup,
  sleep,
  task,
  T0,
} from './scheduler.fixtures';

/** An every-second task whose runs take 2.5 s, under one overlap policy, for 6 s. */
async function overrun(overlap: OverlapPolicy) {
  const env = setup();
  const { clock, scheduler } = env;
  const starts: [number, number][] = [];
  scheduler.addTask(
    task(
      'slow',
      { type: 'every', seconds: 1 },
      async (ctx) => {
        starts.push([
          ctx.scheduledAt.getTime() - T0,
          ctx.startedAt.getTime() - T0,
        ]);
        await abortableSleep(clock, 2_500, ctx.signal);
      },
      { overlap },
    ),
  );
  await scheduler.start();
  await clock.advance(6_000);
  return { ...env, starts, info: scheduler.getTask('slow') };
}

describe('Scheduler overlap, timeouts and concurrency', () => {
  it("should skip due runs while the previous one is still going ('skip', the default)", async () => {
    const { starts, info, offsets, events, scheduler } = await overrun('skip');

    expect(starts).toEqual([
      [1_000, 1_000],
      [4_000, 4_000],
    ]);
    expect(offsets('skipped')).toEqual([2_000, 3_000, 5_000, 6_000]);
    expect(events.find((e) => e.type === 'skipped')?.reason).toBe(
      'the previous run is still running',
    );
    expect(info).toMatchObject({ runs: 2, skipped: 4, running: true });
    await scheduler.stop(0);
  });

  it("should hold at most one due run and start it when the current one ends ('bufferOne')", async () => {
    const { starts, offsets, scheduler } = await overrun('bufferOne');

    expect(starts).toEqual([
      [1_000, 1_000],
      [2_000, 3_500],
      [4_000, 6_000],
    ]);
    expect(offsets('skipped')).toEqual([3_000, 5_000]);
    await scheduler.stop(0);
  });

  it("should hold every due run and start them in order ('bufferAll')", async () => {
    const { starts, offsets, scheduler } = await overrun('bufferAll');

    expect(starts).toEqual([
      [1_000, 1_000],
      [2_000, 3_500],
      [3_000, 6_000],
    ]);
    expect(offsets('skipped')).toEqual([]);
    await scheduler.stop(0);
  });

  it("should abort the running run and start the new one once it settles ('cancelOther')", async () => {
    const { starts, info, logger, events, scheduler } =
      await overrun('cancelOther');

    expect(starts).toEqual(
      [1_000, 2_000, 3_000, 4_000, 5_000, 6_000].map((at) => [at, at]),
    );
    expect(info).toMatchObject({ runs: 6, failures: 5, skipped: 0 });
    const cancelled = events.find((e) => e.type === 'failed')?.error;
    expect(cancelled).toBeInstanceOf(AioClockError);
    expect((cancelled as Error).message).toBe(
      "Task slow: run cancelled by a newer run (overlap: 'cancelOther')",
    );
    expect(logger.messages('error')).toEqual([]);
    expect(logger.messages('warn')[0]).toBe(
      "Task slow failed: Task slow: run cancelled by a newer run (overlap: 'cancelOther')",
    );
    await scheduler.stop(0);
  });

  it("should let runs overlap freely ('allow')", async () => {
    const { starts, scheduler } = await overrun('allow');

    expect(starts).toEqual(
      [1_000, 2_000, 3_000, 4_000, 5_000, 6_000].map((at) => [at, at]),
    );
    expect(scheduler.getTask('slow')).toMatchObject({
      running: true,
      skipped: 0,
    });
    await scheduler.stop(0);
  });

  it('should abort a run at its timeout with TaskTimeoutError, count a failure, and not let it block the next run', async () => {
    const { clock, scheduler, logger, events } = setup();
    const signals: AbortSignal[] = [];
    scheduler.addTask(
      task(
        'stuck',
        { type: 'every', seconds: 1 },
        async (ctx) => {
          signals.push(ctx.signal);
          await sleep(clock, 1_500); // ignores its signal
        },
        { timeout: 500 },
      ),
    );
    await scheduler.start();

    await clock.advance(1_500);
    expect(signals[0].aborted).toBe(true);
    expect(signals[0].reason).toBeInstanceOf(TaskTimeoutError);
    expect((signals[0].reason as Error).message).toBe(
      'Task stuck timed out after 500 ms',
    );
    expect(scheduler.getTask('stuck')).toMatchObject({
      runs: 1,
      failures: 1,
      running: false,
    });
    expect(
      events.filter((e) => e.type === 'failed').map((e) => e.error),
    ).toEqual([signals[0].reason]);
    expect(logger.messages('error')).toEqual([
      'Task stuck failed: Task stuck timed out after 500 ms',
    ]);

    await clock.advance(500);
    expect(scheduler.getTask('stuck')).toMatchObject({ runs: 2, skipped: 0 });
    await scheduler.stop(0);
  });

  it("should use the group's timeout when the task has none, and clear the timer of a run that ends in time", async () => {
    const { clock, scheduler } = setup();
    scheduler.addGroup({ name: 'G', timeout: 300 });
    let signal: AbortSignal | undefined;
    scheduler.addTask(
      task('quick', { type: 'once' }, async (ctx) => {
        signal = ctx.signal;
        await sleep(clock, 100);
      }),
    );
    scheduler.addTask(
      task('slow', { type: 'once' }, () => sleep(clock, 1_000)),
    );
    await scheduler.start();

    await clock.advance(1_000);

    expect(signal?.aborted).toBe(false);
    expect(scheduler.getTask('quick')).toMatchObject({
      failures: 0,
      finished: true,
    });
    expect(scheduler.getTask('slow')).toMatchObject({
      failures: 1,
      finished: true,
    });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("should cap how many of a group's tasks run at once and start the waiting ones first in, first out", async () => {
    const { clock, scheduler, events } = setup();
    scheduler.addGroup({ name: 'G', concurrency: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      scheduler.addTask(
        task(name, { type: 'every', seconds: 10 }, () => sleep(clock, 3_000)),
      );
    }
    scheduler.addTask(
      task('other', { type: 'every', seconds: 10 }, () => sleep(clock, 3_000), {
        group: 'H',
      }),
    );
    await scheduler.start();

    await clock.advance(17_000);

    const started = events
      .filter((e) => e.type === 'started')
      .map((e) => `${e.name}@${e.at.getTime() - T0}`);
    expect(started).toEqual([
      'a@10000',
      'b@10000',
      'other@10000',
      'c@13000',
      'd@13000',
      'e@16000',
    ]);
    await scheduler.stop(0);
  });

  it.each(['bufferAll', 'bufferOne'] as const)(
    "should give back the count of a held run dropped while paused, so maxLoopCount still means exactly N runs ('%s')",
    async (overlap) => {
      const { clock, scheduler, offsets } = setup();
      scheduler.addTask(
        task(
          'thrice',
          { type: 'every', seconds: 1, maxLoopCount: 3 },
          () => sleep(clock, 2_500),
          { overlap },
        ),
      );
      await scheduler.start();
      await clock.advance(3_200); // @1 runs until 3.5 s; @2 (and @3) held
      scheduler.pause('thrice');
      await clock.advance(1_300); // @1 ends: the held runs are dropped as paused
      scheduler.resume('thrice');
      await clock.advance(20_000);

      expect(offsets('started')).toHaveLength(3);
      expect(scheduler.getTask('thrice')).toMatchObject({
        runs: 3,
        finished: true,
        nextRunAt: null,
      });
      expect(clock.pendingTimers()).toBe(0);
    },
  );

  it('should give each @OrTrigger member exactly its maxLoopCount runs when some of its due times are skipped', async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(
      task(
        'member',
        {
          type: 'or',
          triggers: [{ type: 'every', seconds: 1, maxLoopCount: 3 }],
        },
        () => sleep(clock, 1_500),
      ),
    );
    await scheduler.start();

    await clock.advance(20_000);

    expect(offsets('started')).toEqual([1_000, 3_000, 5_000]);
    expect(offsets('skipped')).toEqual([2_000, 4_000]);
    expect(scheduler.getTask('member')).toMatchObject({
      runs: 3,
      finished: true,
    });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should resume an @OrTrigger member whose held run was dropped while paused', async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(
      task(
        'member',
        {
          type: 'or',
          triggers: [
            { type: 'every', seconds: 1, maxLoopCount: 2 },
            { type: 'every', hours: 1 },
          ],
        },
        () => sleep(clock, 2_500),
        { overlap: 'bufferAll' },
      ),
    );
    await scheduler.start();
    await clock.advance(2_200); // @1 runs until 3.5 s; @2 held, the member at its limit
    scheduler.pause('member');
    await clock.advance(1_500); // @1 ends: @2 is dropped as paused and given back
    scheduler.resume('member');
    await clock.advance(10_000);

    // @2 dropped, @3 (passed while the member waited) fired at once and skipped, both paused.
    expect(offsets('skipped')).toEqual([2_000, 3_000]);
    expect(offsets('started')).toEqual([1_000, 4_000]);
    expect(scheduler.getTask('member')).toMatchObject({ runs: 2, skipped: 2 });
    await scheduler.stop(0);
  });

  it("should hold at most one run under 'bufferOne' when the current one still waits for a group slot", async () => {
    const { clock, scheduler, offsets, events } = setup();
    scheduler.addGroup({ name: 'G', concurrency: 1 });
    scheduler.addTask(task('hog', { type: 'once' }, () => sleep(clock, 3_500)));
    scheduler.addTask(
      task('one', { type: 'every', seconds: 1 }, () => undefined, {
        overlap: 'bufferOne',
      }),
    );
    await scheduler.start();

    await clock.advance(3_000); // one@1 waits for the slot; @2 and @3 come
    expect(offsets('skipped', 'one')).toEqual([2_000, 3_000]);
    expect(
      events.find((e) => e.type === 'skipped' && e.name === 'one')?.reason,
    ).toBe('a run is already waiting (overlap: bufferOne)');
    await clock.advance(1_000); // hog ends at 3.5 s

    expect(offsets('started', 'one')).toEqual([1_000, 4_000]);
    await scheduler.stop(0);
  });

  it('should not start a run that waited for a group slot while its task was paused', async () => {
    const { clock, scheduler, offsets, events } = setup();
    scheduler.addGroup({ name: 'G', concurrency: 1 });
    scheduler.addTask(task('hog', { type: 'once' }, () => sleep(clock, 3_500)));
    scheduler.addTask(
      task('w', { type: 'every', seconds: 1, maxLoopCount: 2 }),
    );
    await scheduler.start();
    await clock.advance(3_200); // w@1 waits for the slot
    scheduler.pause('w');
    await clock.advance(500); // hog ends at 3.5 s: w@1 is dropped
    expect(offsets('started', 'w')).toEqual([]);
    expect(
      events
        .filter((e) => e.type === 'skipped' && e.name === 'w')
        .map((e) => `${e.scheduledAt.getTime() - T0} ${e.reason}`),
    ).toEqual([
      '2000 the previous run is still running',
      '3000 the previous run is still running',
      '1000 paused',
    ]);
    scheduler.resume('w');
    await clock.advance(3_000);

    // Its count given back, w still runs twice.
    expect(offsets('started', 'w')).toEqual([4_000, 5_000]);
    expect(scheduler.getTask('w')).toMatchObject({ runs: 2, finished: true });
  });

  describe('when thousands of synchronous runs wait for one group slot', () => {
    const QUEUED = 2_000;

    it('should start them one after another when the slot frees, without deep recursion or an unhandled rejection', async () => {
      const { clock, scheduler, logger } = setup();
      scheduler.addGroup({ name: 'G', concurrency: 1 });
      const holder = deferred();
      scheduler.addTask(task('holder', { type: 'once' }, () => holder.promise));
      let ran = 0;
      for (let i = 0; i < QUEUED; i++)
        scheduler.addTask(task(`sync${i}`, { type: 'once' }, () => ran++));
      await scheduler.start();
      await clock.advance(0);
      expect(ran).toBe(0);

      holder.resolve();
      await clock.advance(0);

      expect(ran).toBe(QUEUED);
      expect(logger.lines).toEqual([]);
      expect(scheduler.getTasks().every((t) => t.finished)).toBe(true);
    });

    it("should settle every runTask of a synchronous 'allow' task queued behind a full group", async () => {
      const { clock, scheduler, logger } = setup();
      scheduler.addGroup({ name: 'G', concurrency: 1 });
      const holder = deferred();
      scheduler.addTask(task('holder', { type: 'once' }, () => holder.promise));
      scheduler.addTask(
        task('quick', { type: 'every', hours: 1 }, () => 'ok', {
          overlap: 'allow',
        }),
      );
      await scheduler.start();
      await clock.advance(0);
      const requested = Array.from({ length: QUEUED }, () =>
        scheduler.runTask('quick'),
      );

      holder.resolve();
      await clock.advance(0);

      await expect(Promise.all(requested)).resolves.toEqual(
        Array(QUEUED).fill('ok'),
      );
      expect(scheduler.getTask('quick').runs).toBe(QUEUED);
      expect(logger.lines).toEqual([]);
      await scheduler.stop(0);
    });
  });

  describe('when a run is requested with runTask', () => {
    it('should resolve to what the method returned, with scheduledAt = now', async () => {
      const { clock, scheduler } = setup();
      scheduler.addTask(
        task('answer', { type: 'every', hours: 1 }, (ctx) => ({
          at: ctx.scheduledAt.getTime() - T0,
        })),
      );
      await scheduler.start();
      await clock.advance(1_234);

      await expect(scheduler.runTask('answer')).resolves.toEqual({ at: 1_234 });
      expect(scheduler.getTask('answer')).toMatchObject({
        runs: 1,
        lastRunAt: new Date(T0 + 1_234),
      });
      await scheduler.stop(0);
    });

    it('should reject with what the method threw, and count, emit and log it', async () => {
      const { scheduler, logger, events } = setup();
      const error = new Error('nope');
      scheduler.addTask(
        task('fails', { type: 'once' }, () => Promise.reject(error)),
      );

      await expect(scheduler.runTask('fails')).rejects.toBe(error);
      expect(scheduler.getTask('fails').failures).toBe(1);
      expect(
        events.filter((e) => e.type === 'failed').map((e) => e.error),
      ).toEqual([error]);
      expect(logger.messages('error')).toEqual(['Task fails failed: nope']);
    });

    it('should reject a refused run with TaskBusyError and a dropped one with SchedulerStoppingError, both AioClockErrors', async () => {
      const { clock, scheduler } = setup();
      scheduler.addGroup({ name: 'G', concurrency: 1 });
      scheduler.addTask(
        task('slow', { type: 'every', hours: 1 }, () => sleep(clock, 1_000)),
      );
      scheduler.addTask(task('queued', { type: 'every', hours: 1 }));
      const running = scheduler.runTask('slow');
      const busy = scheduler.runTask('slow').catch((error: unknown) => error);
      const waiting = scheduler.runTask('queued').catch((e: unknown) => e);

      const refused = await busy;
      expect(refused).toBeInstanceOf(TaskBusyError);
      expect(refused).toBeInstanceOf(AioClockError);
      expect(refused).toMatchObject({
        name: 'TaskBusyError',
        taskName: 'slow',
        overlap: 'skip',
        message: taskBusy('slow', 'skip'),
      });

      const stopping = scheduler.stop(5_000);
      const dropped = await waiting;
      expect(dropped).toBeInstanceOf(SchedulerStoppingError);
      expect(dropped).toBeInstanceOf(AioClockError);
      expect(dropped).toMatchObject({
        taskName: 'queued',
        message: schedulerStopping('queued'),
      });
      await expect(scheduler.runTask('slow')).rejects.toBeInstanceOf(
        SchedulerStoppingError,
      );
      await clock.advance(1_000);
      await running;
      await stopping;
    });

    it('should reject an unknown name with TaskNotFoundError', async () => {
      const { scheduler } = setup();
      await expect(scheduler.runTask('ghost')).rejects.toThrow(
        'No task named "ghost" is registered',
      );
    });

    it("should respect the overlap policy: rejected under 'skip', queued under 'bufferOne'", async () => {
      const { clock, scheduler } = setup();
      scheduler.addTask(
        task('skips', { type: 'once' }, () =>
          sleep(clock, 1_000).then(() => 'first'),
        ),
      );
      scheduler.addTask(
        task(
          'buffers',
          { type: 'once' },
          () => sleep(clock, 1_000).then(() => 'done'),
          { overlap: 'bufferOne' },
        ),
      );
      const first = scheduler.runTask('skips');
      const running = scheduler.runTask('buffers');

      await expect(scheduler.runTask('skips')).rejects.toThrow(
        "Task skips is already running (overlap: 'skip'), so this run was skipped",
      );
      const queued = scheduler.runTask('buffers');
      await clock.advance(2_000);

      await expect(first).resolves.toBe('first');
      await expect(running).resolves.toBe('done');
      await expect(queued).resolves.toBe('done');
      expect(scheduler.getTask('skips')).toMatchObject({ runs: 1, skipped: 1 });
      expect(scheduler.getTask('buffers')).toMatchObject({
        runs: 2,
        skipped: 0,
      });
    });
  });
});
