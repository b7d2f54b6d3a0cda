import { pausedOnFailure } from '../../../lib/aioclock.messages';
import { setup, task, T0 } from '../scheduler/scheduler.fixtures';

// pauseOnFailure: n consecutive runs that failed for good (after their
// retries) pause the task, logged once; resume clears it. Offsets from T0.

interface PauseRow {
  title: string;
  pauseOnFailure: number;
  /** Per due time (every 10 s), the outcome of each try: 'x' fails, 'ok' succeeds. */
  plan: ('x' | 'ok')[][];
  /** The due time after whose run the task is paused, or null. */
  pausedAfter: number | null;
}

const rows: PauseRow[] = [
  {
    title: 'two failed runs in a row',
    pauseOnFailure: 2,
    plan: [['x', 'x'], ['x', 'x'], ['ok']],
    pausedAfter: 20_000,
  },
  {
    title: 'a success in between starts the count again',
    pauseOnFailure: 2,
    plan: [['x', 'x'], ['ok'], ['x', 'x'], ['x', 'x'], ['ok']],
    pausedAfter: 40_000,
  },
  {
    title: 'a run saved by its retry is no failure',
    pauseOnFailure: 2,
    plan: [['x', 'x'], ['x', 'ok'], ['x', 'x'], ['ok']],
    pausedAfter: null,
  },
  {
    title: 'one failure with pauseOnFailure: 1',
    pauseOnFailure: 1,
    plan: [['ok'], ['x', 'x'], ['ok']],
    pausedAfter: 20_000,
  },
];

describe('pauseOnFailure', () => {
  it.each(rows)(
    'should count consecutive failed runs: $title',
    async ({ pauseOnFailure, plan, pausedAfter }) => {
      const { clock, scheduler, logger, offsets } = setup();
      scheduler.addGroup({ name: 'G', concurrency: 1 });
      scheduler.addTask(
        task(
          'p',
          { type: 'every', seconds: 10 },
          (ctx) => {
            const tries = plan[(ctx.scheduledAt.getTime() - T0) / 10_000 - 1];
            if (tries?.[ctx.attempt - 1] === 'x')
              throw new Error(`due ${ctx.scheduledAt.getTime() - T0}`);
          },
          {
            pauseOnFailure,
            retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 1_000 } },
          },
        ),
      );
      // A neighbour in the same group, never failing, is not paused with it.
      scheduler.addTask(task('neighbour', { type: 'every', seconds: 10 }));
      await scheduler.start();
      await clock.advance(plan.length * 10_000 + 5_000);

      const started = [...new Set(offsets('started', 'p'))];
      const info = scheduler.getTask('p');
      const reasons = logger
        .messages('warn')
        .filter((line) => line.includes('pauseOnFailure'));
      if (pausedAfter === null) {
        expect(info.paused).toBe(false);
        expect(info.pausedReason).toBeUndefined();
        expect(reasons).toEqual([]);
        expect(started).toHaveLength(plan.length);
      } else {
        const last = `due ${pausedAfter}`;
        const reason = pausedOnFailure('p', pauseOnFailure, new Error(last));
        expect(info).toMatchObject({ paused: true, pausedReason: reason });
        expect(info.nextRunAt).toBeNull();
        expect(reasons).toEqual([reason]); // logged once
        expect(Math.max(...started)).toBe(pausedAfter);
        expect(offsets('skipped', 'p').length).toBeGreaterThan(0);
      }
      expect(scheduler.getTask('neighbour')).toMatchObject({
        paused: false,
        runs: plan.length,
      });
      await scheduler.stop(0);
    },
  );

  it('should stay paused through its group being resumed, and run again after resume', async () => {
    const { clock, scheduler } = setup();
    let failing = true;
    scheduler.addTask(
      task(
        'p',
        { type: 'every', seconds: 10 },
        () => {
          if (failing) throw new Error('down');
        },
        { pauseOnFailure: 1 },
      ),
    );
    await scheduler.start();
    await clock.advance(10_000);
    expect(scheduler.getTask('p').paused).toBe(true);

    scheduler.pauseGroup('G');
    scheduler.resumeGroup('G');
    await clock.advance(10_000);
    expect(scheduler.getTask('p')).toMatchObject({ paused: true, runs: 1 });

    failing = false;
    scheduler.resume('p');
    const resumed = scheduler.getTask('p');
    expect(resumed.paused).toBe(false);
    expect(resumed.pausedReason).toBeUndefined();
    await clock.advance(10_000);
    expect(scheduler.getTask('p').runs).toBe(2);

    // The count started again at resume: one more failure pauses it again.
    failing = true;
    await clock.advance(10_000);
    expect(scheduler.getTask('p')).toMatchObject({ paused: true, runs: 3 });
    await scheduler.stop(0);
  });

  it('should not count runs the scheduler cancelled itself', async () => {
    const { clock, scheduler } = setup();
    scheduler.addTask(
      task(
        'c',
        { type: 'every', seconds: 1 },
        (ctx) =>
          new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () =>
              reject(ctx.signal.reason),
            ),
          ),
        { overlap: 'cancelOther', pauseOnFailure: 1 },
      ),
    );
    await scheduler.start();
    await clock.advance(5_500);

    expect(scheduler.getTask('c').paused).toBe(false);
    await scheduler.stop(0);
  });
});
