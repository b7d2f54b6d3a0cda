import { VirtualClock } from '../../../lib/clock/virtual-clock';
import type { Coordinator } from '../../../lib/coordination/coordinator.interface';
import { AioClockError } from '../../../lib/errors/aioclock.error';
import { ABORT_SETTLE_MS } from '../../../lib/scheduler/scheduler.constants';
import {
  abortableSleep,
  deferred,
  setup,
  sleep,
  task,
  T0,
} from './scheduler.fixtures';

describe('Scheduler lifecycle, pause and forever', () => {
  it('should run startup tasks to completion before anything else fires, a failing one not being fatal', async () => {
    const { clock, scheduler, logger } = setup();
    const log: string[] = [];
    const gate = deferred();
    scheduler.addTask(
      task('tick', { type: 'every', seconds: 1 }, () =>
        log.push(`tick@${clock.timestamp() - T0}`),
      ),
    );
    scheduler.addTask(
      task('once', { type: 'once' }, () =>
        log.push(`once@${clock.timestamp() - T0}`),
      ),
    );
    scheduler.addTask(
      task('warmUp', { type: 'startup' }, async () => {
        log.push('warmUp begins');
        await gate.promise;
        log.push('warmUp ends');
      }),
    );
    scheduler.addTask(
      task('broken', { type: 'startup' }, () => {
        throw new Error('no cache');
      }),
    );

    let started = false;
    const starting = scheduler.start().then(() => (started = true));
    await clock.advance(5_000);
    expect(started).toBe(false);
    expect(log).toEqual(['warmUp begins']);

    gate.resolve();
    await starting;
    await clock.advance(1_000);

    expect(log).toEqual([
      'warmUp begins',
      'warmUp ends',
      'once@5000',
      'tick@6000',
    ]);
    expect(logger.messages('error')).toEqual(['Task broken failed: no cache']);
    expect(scheduler.getTask('warmUp')).toMatchObject({
      runs: 1,
      nextRunAt: null,
    });
    await scheduler.stop(0);
  });

  it('should wait for running runs, then run shutdown tasks, and leave no timer armed', async () => {
    const { clock, scheduler } = setup();
    const log: string[] = [];
    scheduler.addTask(
      task('slow', { type: 'every', seconds: 1 }, async () => {
        log.push(`slow begins@${clock.timestamp() - T0}`);
        await sleep(clock, 2_000);
        log.push(`slow ends@${clock.timestamp() - T0}`);
      }),
    );
    scheduler.addTask(
      task('flush', { type: 'shutdown' }, () =>
        log.push(`flush@${clock.timestamp() - T0}`),
      ),
    );
    await scheduler.start();
    await clock.advance(1_500);

    let stopped = false;
    const stopping = scheduler.stop(10_000).then(() => (stopped = true));
    await clock.advance(1_000);
    expect(stopped).toBe(false);
    await clock.advance(1_000);
    await stopping;

    expect(log).toEqual(['slow begins@1000', 'slow ends@3000', 'flush@3000']);
    expect(clock.pendingTimers()).toBe(0);
    expect(scheduler.getTask('slow')).toMatchObject({
      runs: 1,
      failures: 0,
      nextRunAt: null,
    });
  });

  it('should abort runs still going after the grace period, give up on them shortly after, and leave no timer', async () => {
    const { clock, scheduler, logger } = setup();
    let signal: AbortSignal | undefined;
    scheduler.addTask(
      task('deaf', { type: 'once' }, (ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined); // never settles, ignores its signal
      }),
    );
    const shutdownSignals: AbortSignal[] = [];
    scheduler.addTask(
      task('hangsToo', { type: 'shutdown' }, (ctx) => {
        shutdownSignals.push(ctx.signal);
        return new Promise(() => undefined);
      }),
    );
    await scheduler.start();
    await clock.advance(0);

    let stopped = false;
    const stopping = scheduler.stop(1_000).then(() => (stopped = true));
    await clock.advance(999);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error).message).toBe(
      'Task deaf was aborted: still running 1000 ms after shutdown began',
    );
    await clock.advance(999);
    expect(stopped).toBe(false);
    // One deadline for everything: deaf is given up on at grace + settle, and
    // hangsToo, started with no time left, is aborted and given up on at once.
    await clock.advance(1);
    expect(stopped).toBe(true);
    await stopping;

    expect(shutdownSignals[0]?.aborted).toBe(true);
    expect(scheduler.getTask('deaf')).toMatchObject({
      failures: 1,
      running: false,
    });
    expect(logger.messages('warn')).toEqual([
      'Task deaf failed: Task deaf was aborted: still running 1000 ms after shutdown began',
      'Task hangsToo failed: Task hangsToo was aborted: still running 1000 ms after shutdown began',
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should return within the grace period plus the settle time when a run, a shutdown task and a lease release all hang', async () => {
    const clock = new VirtualClock(new Date(T0));
    const coordinator: Coordinator = {
      alignsToEpoch: true,
      claim: () => Promise.resolve(true),
      lease: () => Promise.resolve(true),
      release: () => new Promise(() => undefined), // Redis never answers
    };
    const { scheduler } = setup({ clock, coordinator });
    const never = () => new Promise(() => undefined); // ignores its signal too
    scheduler.addTask(task('loop', { type: 'forever' }, never));
    const shutdownSignals: AbortSignal[] = [];
    scheduler.addTask(
      task('flush', { type: 'shutdown' }, (ctx) => {
        shutdownSignals.push(ctx.signal);
        return never();
      }),
    );
    await scheduler.start();
    await clock.advance(0);
    expect(scheduler.getTask('loop').running).toBe(true);

    let stopped = false;
    const stopping = scheduler.stop(10_000).then(() => (stopped = true));
    await clock.advance(10_000 + ABORT_SETTLE_MS - 1);
    expect(stopped).toBe(false);
    await clock.advance(1);
    expect(stopped).toBe(true);
    await stopping;

    expect(shutdownSignals).toHaveLength(1);
    expect(shutdownSignals[0].aborted).toBe(true);
    expect(scheduler.getTask('loop')).toMatchObject({
      running: false,
      failures: 1,
    });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should give shutdown tasks what is left of the grace period after the runs drained', async () => {
    const { clock, scheduler } = setup();
    scheduler.addTask(
      task('slow', { type: 'once' }, () => sleep(clock, 4_000)),
    );
    const flushed: number[] = [];
    scheduler.addTask(
      task('flush', { type: 'shutdown' }, async (ctx) => {
        await abortableSleep(clock, 10_000, ctx.signal).catch(() => undefined);
        flushed.push(clock.timestamp() - T0);
      }),
    );
    await scheduler.start();
    await clock.advance(0);

    const stopping = scheduler.stop(6_000);
    await clock.advance(10_000);
    await stopping;

    // slow ends at 4 s; flush runs from 4 s and is aborted at the 6 s deadline.
    expect(flushed).toEqual([6_000]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should stop only once, refuse runTask afterwards, and fire nothing more', async () => {
    const { clock, scheduler, offsets } = setup();
    let flushes = 0;
    scheduler.addTask(task('tick', { type: 'every', seconds: 1 }));
    scheduler.addTask(task('flush', { type: 'shutdown' }, () => flushes++));
    await scheduler.start();
    await clock.advance(1_000);

    const first = scheduler.stop(0);
    expect(scheduler.stop(0)).toBe(first);
    await first;
    await clock.advance(5_000);

    expect(flushes).toBe(1);
    expect(offsets('started', 'tick')).toEqual([1_000]);
    await expect(scheduler.runTask('tick')).rejects.toThrow(
      new AioClockError('Task tick was not run: the scheduler is stopping'),
    );
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should fire nothing more of a due time whose run stopped the scheduler, and leave nothing queued', async () => {
    const { clock, scheduler, offsets } = setup();
    let stopping: Promise<void> | undefined;
    scheduler.addTask(task('first', { type: 'every', seconds: 1 }));
    scheduler.addTask(
      task('stopper', { type: 'every', seconds: 1 }, () => {
        stopping = scheduler.stop(0);
      }),
    );
    scheduler.addTask(task('last', { type: 'every', seconds: 1 }));
    await scheduler.start();
    await clock.advance(1_000);
    await stopping;
    await clock.advance(5_000);

    expect(offsets('started', 'first')).toEqual([1_000]);
    expect(offsets('started', 'stopper')).toEqual([1_000]);
    expect(offsets('started', 'last')).toEqual([]);
    expect(scheduler.queue.size).toBe(0);
    expect(scheduler.getTask('last')).toMatchObject({
      runs: 0,
      nextRunAt: null,
    });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should skip due times while a task is paused and continue on its grid after resume', async () => {
    const { clock, scheduler, offsets, events } = setup();
    scheduler.addTask(task('tick', { type: 'every', seconds: 1 }));
    await scheduler.start();
    await clock.advance(1_500);

    scheduler.pause('tick');
    expect(scheduler.getTask('tick')).toMatchObject({
      paused: true,
      nextRunAt: null,
    });
    await clock.advance(2_000);
    scheduler.resume('tick');
    expect(scheduler.getTask('tick')).toMatchObject({
      paused: false,
      nextRunAt: new Date(T0 + 4_000),
    });
    await clock.advance(1_000);

    expect(offsets('started')).toEqual([1_000, 4_000]);
    expect(offsets('skipped')).toEqual([2_000, 3_000]);
    expect(events.find((e) => e.type === 'skipped')?.reason).toBe('paused');
    expect(scheduler.getTask('tick').skipped).toBe(2);
    await scheduler.stop(0);
  });

  it('should pause and resume a whole group, leaving other groups alone', async () => {
    const { clock, scheduler, offsets } = setup();
    scheduler.addTask(
      task('a', { type: 'every', seconds: 1 }, undefined, { group: 'reports' }),
    );
    scheduler.addTask(
      task('b', { type: 'every', seconds: 1 }, undefined, { group: 'reports' }),
    );
    scheduler.addTask(
      task('c', { type: 'every', seconds: 1 }, undefined, { group: 'cleanup' }),
    );
    await scheduler.start();

    scheduler.pauseGroup('reports');
    await clock.advance(2_000);
    expect(scheduler.getTasks().map((t) => [t.name, t.paused, t.runs])).toEqual(
      [
        ['a', true, 0],
        ['b', true, 0],
        ['c', false, 2],
      ],
    );
    scheduler.resumeGroup('reports');
    await clock.advance(1_000);

    expect(offsets('started', 'a')).toEqual([3_000]);
    expect(offsets('started', 'b')).toEqual([3_000]);
    expect(() => scheduler.pauseGroup('nope')).toThrow(
      new AioClockError('No group named "nope" is registered'),
    );
    expect(() => scheduler.pause('nope')).toThrow(
      'No task named "nope" is registered',
    );
    await scheduler.stop(0);
  });

  it('should run a forever task back to back while other tasks keep their schedule, and stop it cleanly', async () => {
    const { clock, scheduler, offsets } = setup();
    let loops = 0;
    scheduler.addTask(
      task('loop', { type: 'forever' }, async () => {
        loops++;
        await Promise.resolve();
      }),
    );
    scheduler.addTask(task('tick', { type: 'every', seconds: 1 }));
    await scheduler.start();

    await clock.advance(3_000);

    expect(loops).toBeGreaterThan(3);
    expect(offsets('started', 'tick')).toEqual([1_000, 2_000, 3_000]);

    scheduler.pause('loop');
    const paused = loops;
    await clock.advance(1_000);
    expect(loops).toBe(paused);
    scheduler.resume('loop');
    await clock.advance(0);
    expect(loops).toBeGreaterThan(paused);

    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should run a forever task exactly maxLoopCount times, then report it finished', async () => {
    const { clock, scheduler } = setup();
    let loops = 0;
    scheduler.addTask(
      task('five', { type: 'forever', maxLoopCount: 5 }, () => loops++),
    );
    await scheduler.start();

    await clock.advance(1_000);

    expect(loops).toBe(5);
    expect(scheduler.getTask('five')).toMatchObject({
      runs: 5,
      finished: true,
      nextRunAt: null,
    });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should not let a run that never settles hang the virtual clock', async () => {
    const { clock, scheduler } = setup();
    scheduler.addTask(
      task(
        'hangs',
        { type: 'every', seconds: 1 },
        () => new Promise(() => undefined),
      ),
    );
    await scheduler.start();

    await clock.advance(5_000);

    expect(scheduler.getTask('hangs')).toMatchObject({
      runs: 1,
      skipped: 4,
      running: true,
    });
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
