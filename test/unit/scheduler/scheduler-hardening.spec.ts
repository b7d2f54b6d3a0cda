import type { OrSpec } from '../../../lib/interfaces/trigger-spec.interface';
import { Scheduler } from '../../../lib/scheduler/scheduler';
import type { SchedulerLogger } from '../../../lib/scheduler/task-definition';
import { VirtualClock } from '../../../lib/clock/virtual-clock';
import {
  runAbandoned,
  skipReasons,
  taskFailed,
  wallClockJumped,
} from '../../../lib/aioclock.messages';
import { AioClockError } from '../../../lib/errors/aioclock.error';
import { CANCEL_OTHER_GRACE_MS } from '../../../lib/scheduler/scheduler.constants';
import { setup, sleep, task, T0 } from './scheduler.fixtures';

/** A logger that throws on every call, as a broken app logger may. */
const throwingLogger: SchedulerLogger = {
  log() {
    throw new Error('logger down');
  },
  warn() {
    throw new Error('logger down');
  },
  error() {
    throw new Error('logger down');
  },
};

/** A null-prototype object that refers to itself: no default formatting survives it. */
function hostileValue(): object {
  const value = Object.create(null) as Record<string, unknown>;
  value.self = value;
  return value;
}

/** Whether `promise` has settled after the clock flushed pending work. */
async function settledAfterFlush(
  clock: VirtualClock,
  promise: Promise<unknown>,
): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await clock.advance(0);
  return settled;
}

describe('Scheduler hardening (issue 11)', () => {
  it('should give a snapshot its own copy of the trigger, so mutating it changes nothing', async () => {
    const spec: OrSpec = {
      type: 'or',
      triggers: [{ type: 'every', seconds: 10 }],
      maxLoopCount: 3,
    };
    const { scheduler } = setup();
    scheduler.addTask(task('t', spec));
    const snapshot = scheduler.getTask('t');
    const trigger = snapshot.trigger as OrSpec;
    trigger.maxLoopCount = 99;
    (trigger.triggers[0] as { seconds: number }).seconds = 1;
    trigger.triggers.push({ type: 'once' });

    expect(spec).toEqual({
      type: 'or',
      triggers: [{ type: 'every', seconds: 10 }],
      maxLoopCount: 3,
    });
    expect(scheduler.getTask('t').trigger).toEqual(spec);
    await scheduler.stop(0);
  });

  describe('when reporting a failure throws', () => {
    it('should still settle runTask when the logger throws', async () => {
      const clock = new VirtualClock(new Date(T0));
      const scheduler = new Scheduler({
        clock,
        logger: throwingLogger,
        timeZone: 'UTC',
      });
      const boom = new Error('boom');
      scheduler.addTask(
        task('fails', { type: 'every', hours: 1 }, () => {
          throw boom;
        }),
      );
      scheduler.addTask(
        task('failsLater', { type: 'every', hours: 1 }, () =>
          Promise.reject(hostileValue()),
        ),
      );
      await scheduler.start();
      const run = scheduler.runTask('fails');
      const later = scheduler.runTask('failsLater');
      expect(await settledAfterFlush(clock, run)).toBe(true);
      expect(await settledAfterFlush(clock, later)).toBe(true);
      await expect(run).rejects.toBe(boom);
      expect(scheduler.getTask('fails')).toMatchObject({
        runs: 1,
        failures: 1,
      });
      await scheduler.stop(0);
    });

    it('should still finish start() when a failing startup task meets a throwing logger', async () => {
      const clock = new VirtualClock(new Date(T0));
      const scheduler = new Scheduler({
        clock,
        logger: throwingLogger,
        timeZone: 'UTC',
      });
      scheduler.addTask(
        task('boot', { type: 'startup' }, () => {
          throw hostileValue();
        }),
      );
      expect(await settledAfterFlush(clock, scheduler.start())).toBe(true);
      await scheduler.stop(0);
    });

    it('should settle runTask for a hostile value and log it by its description', async () => {
      const { clock, scheduler, logger } = setup();
      scheduler.addTask(
        task('hostile', { type: 'every', hours: 1 }, () => {
          throw hostileValue();
        }),
      );
      await scheduler.start();
      const run = scheduler.runTask('hostile');
      expect(await settledAfterFlush(clock, run)).toBe(true);
      expect(logger.messages('error')).toEqual([
        expect.stringContaining('Task hostile failed:'),
      ]);
      await scheduler.stop(0);
    });
  });

  it("should let an 'allow' task slower than its interval keep one run waiting for its capped group, skip the rest, and not starve the group", async () => {
    const { clock, scheduler, events } = setup();
    scheduler.addGroup({ name: 'G', concurrency: 1 });
    const slowStarts: [number, number][] = [];
    let otherRuns = 0;
    scheduler.addTask(
      task(
        'slow',
        { type: 'every', seconds: 1 },
        async (ctx) => {
          slowStarts.push([
            ctx.scheduledAt.getTime() - T0,
            ctx.startedAt.getTime() - T0,
          ]);
          await sleep(clock, 2_500);
        },
        { overlap: 'allow' },
      ),
    );
    scheduler.addTask(
      task('other', { type: 'every', seconds: 1 }, () => otherRuns++),
    );
    await scheduler.start();
    await clock.advance(60_000);

    // Each slow run frees the slot for the other task's waiting run, then the
    // one waiting slow run: both progress, neither falls behind without bound.
    const lastSlow = slowStarts[slowStarts.length - 1];
    expect(lastSlow[1] - lastSlow[0]).toBeLessThanOrEqual(2_500);
    expect(slowStarts).toHaveLength(24);
    expect(otherRuns).toBe(12);
    const groupBusy = events.filter(
      (e) => e.name === 'slow' && e.reason === skipReasons.groupBusy,
    );
    expect(groupBusy).toHaveLength(60 - 24 - 1);
    expect(scheduler.getTask('slow').skipped).toBe(groupBusy.length);
    await scheduler.stop(0);
  });

  it("should abandon a cancelled run that ignores its signal after a short grace, warn, and start the newer run ('cancelOther')", async () => {
    const { clock, scheduler, logger, offsets } = setup();
    const starts: [number, number][] = [];
    scheduler.addTask(
      task(
        'stubborn',
        { type: 'every', seconds: 5 },
        (ctx) => {
          starts.push([
            ctx.scheduledAt.getTime() - T0,
            ctx.startedAt.getTime() - T0,
          ]);
          return new Promise(() => undefined); // ignores its signal, never ends
        },
        { overlap: 'cancelOther' },
      ),
    );
    await scheduler.start();
    await clock.advance(21_000);

    const grace = CANCEL_OTHER_GRACE_MS;
    expect(starts).toEqual([
      [5_000, 5_000],
      [10_000, 10_000 + grace],
      [15_000, 15_000 + grace],
      [20_000, 20_000 + grace],
    ]);
    expect(logger.messages('warn')).toEqual(
      [10_000, 15_000, 20_000].map(() =>
        taskFailed(
          'stubborn',
          new AioClockError(runAbandoned('stubborn', grace)),
        ),
      ),
    );
    expect(offsets('failed')).toEqual([5_000, 10_000, 15_000]);
    expect(scheduler.getTask('stubborn')).toMatchObject({
      runs: 4,
      failures: 3,
      running: true,
    });
    await scheduler.stop(0);
  });

  describe('when the wall clock is stepped', () => {
    const HOUR = 3_600_000;

    /** An every-second task that records its due times (offsets from T0). */
    async function ticking() {
      const env = setup();
      const dues: number[] = [];
      env.scheduler.addTask(
        task('tick', { type: 'every', seconds: 1 }, (ctx) => {
          dues.push(ctx.scheduledAt.getTime() - T0);
        }),
      );
      await env.scheduler.start();
      await env.clock.advance(5_500);
      return { ...env, dues };
    }

    it('should keep an @Every task on its elapsed rhythm after a step back, warn once, and report the step', async () => {
      const { clock, scheduler, logger, dues } = await ticking();
      clock.stepWall(-HOUR);
      await clock.advance(5_000);

      expect(dues).toEqual([
        1_000,
        2_000,
        3_000,
        4_000,
        5_000,
        6_000 - HOUR,
        7_000 - HOUR,
        8_000 - HOUR,
        9_000 - HOUR,
        10_000 - HOUR,
      ]);
      expect(logger.messages('warn')).toEqual([wallClockJumped(-HOUR)]);
      expect(scheduler.lastClockJump()).toEqual({
        at: new Date(T0 + 6_000 - HOUR),
        jumpMs: -HOUR,
      });
      expect(scheduler.getTask('tick').skipped).toBe(0);
      await scheduler.stop(0);
    });

    it('should keep an @Every task on its elapsed rhythm after a step forward, without skipping the hour', async () => {
      const { clock, scheduler, logger, dues } = await ticking();
      clock.stepWall(HOUR);
      await clock.advance(2_000);

      expect(dues.slice(5)).toEqual([6_000 + HOUR, 7_000 + HOUR]);
      expect(scheduler.getTask('tick').skipped).toBe(0);
      expect(logger.messages('warn')).toEqual([wallClockJumped(HOUR)]);
      await scheduler.stop(0);
    });

    it('should recompute an hourly @Cron task from the new wall time after a step back', async () => {
      const { clock, scheduler, offsets } = setup();
      scheduler.addTask(task('hourly', { type: 'cron', cron: '0 * * * *' }));
      scheduler.addTask(task('minutely', { type: 'every', minutes: 1 }));
      await scheduler.start();
      await clock.advance(30 * 60_000); // 11:30
      clock.stepWall(-HOUR); // 10:30
      await clock.advance(31 * 60_000); // 11:01, one elapsed hour after 11:00

      // 11:00 comes round again: an hourly job runs every real hour.
      expect(offsets('started', 'hourly')).toEqual([0]);
      expect(scheduler.getTask('hourly').nextRunAt).toEqual(
        new Date(T0 + HOUR),
      );
      await scheduler.stop(0);
    });
  });

  describe('when what a run returns or throws is hostile', () => {
    /** A Proxy whose prototype can no longer be read: `instanceof` on it throws. */
    function revokedProxy(): object {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }

    it("should count a run whose returned value has a throwing 'then' getter as failed, and keep its schedule", async () => {
      const { clock, scheduler, logger } = setup();
      let calls = 0;
      scheduler.addTask(
        task('weird', { type: 'every', seconds: 10 }, () => {
          calls++;
          return {
            get then(): never {
              throw new Error('then getter blew up');
            },
          };
        }),
      );
      await scheduler.start();
      await clock.advance(30_000);
      const info = scheduler.getTask('weird');
      expect({ calls, running: info.running, failures: info.failures }).toEqual(
        { calls: 3, running: false, failures: 3 },
      );
      expect(
        logger
          .messages('error')
          .filter((m) => m.startsWith('Task weird failed')),
      ).toHaveLength(3);
      await scheduler.stop(0);
    });

    it('should reject runTask and log the failure when a run rejects with a revoked Proxy', async () => {
      const { clock, scheduler, logger } = setup();
      scheduler.addTask(
        task('p', { type: 'every', hours: 10 }, async () => {
          await Promise.resolve();
          throw revokedProxy();
        }),
      );
      await scheduler.start();
      let settled = 'pending';
      void scheduler.runTask('p').then(
        () => (settled = 'resolved'),
        () => (settled = 'rejected'),
      );
      await clock.advance(1_000);
      expect(settled).toBe('rejected');
      expect(
        logger.messages('error').some((m) => m.startsWith('Task p failed')),
      ).toBe(true);
      await scheduler.stop(0);
    });

    it("should start the run buffered behind one that rejected with a revoked Proxy ('bufferAll')", async () => {
      const { clock, scheduler } = setup();
      const starts: number[] = [];
      let first = true;
      scheduler.addTask(
        task(
          'p',
          { type: 'every', seconds: 10 },
          async () => {
            starts.push(clock.timestamp());
            if (first) {
              first = false;
              await new Promise<void>((resolve) =>
                clock.setTimer(resolve, 15_000),
              );
              throw revokedProxy();
            }
          },
          { overlap: 'bufferAll' },
        ),
      );
      await scheduler.start();
      // The run of 10 s rejects at 25 s; the due time of 20 s waited behind it.
      await clock.advance(25_000);
      expect(starts.map((at) => at - starts[0])).toEqual([0, 15_000]);
      await scheduler.stop(0);
    });
  });
});
