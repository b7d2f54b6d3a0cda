import type { ClaimAnswer } from '../../../lib/coordination/coordinator.interface';
import { LocalCoordinator } from '../../../lib/coordination/local.coordinator';
import { jitterOffsetMs } from '../../../lib/scheduler/due-jitter';
import { deferred, setup, T0, task } from './scheduler.fixtures';

/** A coordinator whose claims the test answers by hand. */
class HeldClaims extends LocalCoordinator {
  readonly pending: ((answer: ClaimAnswer) => void)[] = [];
  override claim(): Promise<boolean> {
    return new Promise((resolve) =>
      this.pending.push(resolve as (answer: ClaimAnswer) => void),
    );
  }
}

describe('Scheduler.removeTask', () => {
  it('should drop runs waiting for a group slot, rejecting a waiting runTask, and keep the group’s others', async () => {
    const { clock, scheduler } = setup();
    scheduler.addGroup({ name: 'G', concurrency: 1 });
    const gate = deferred();
    const started: string[] = [];
    scheduler.addTask(
      task('busy', { type: 'every', hours: 1 }, async (ctx) => {
        started.push(ctx.name);
        await gate.promise;
      }),
    );
    scheduler.addTask(
      task(
        'waiting',
        { type: 'every', seconds: 10 },
        (ctx) => {
          started.push(ctx.name);
        },
        { overlap: 'allow' },
      ),
    );
    scheduler.addTask(
      task('other', { type: 'every', hours: 1 }, (ctx) => {
        started.push(ctx.name);
      }),
    );
    await scheduler.start();
    const busy = scheduler.runTask('busy');
    await clock.advance(10_000); // 'waiting' due: in the group's line
    const requested = scheduler.runTask('waiting');
    const other = scheduler.runTask('other');
    await scheduler.removeTask('waiting');
    await expect(requested).rejects.toThrow(
      'Task waiting was removed before this run could start',
    );
    gate.resolve();
    await busy;
    await other;
    await clock.advance(60_000);
    expect(started).toEqual(['busy', 'other']);
    await scheduler.stop(1_000);
  });

  it('should not run a task that an earlier run of the same due time removed', async () => {
    const { clock, scheduler } = setup();
    const started: string[] = [];
    let removal: Promise<void> | null = null;
    scheduler.addTask(
      task('first', { type: 'every', seconds: 10 }, (ctx) => {
        started.push(ctx.name);
        removal ??= scheduler.removeTask('second');
      }),
    );
    scheduler.addTask(
      task('second', { type: 'every', seconds: 10 }, (ctx) => {
        started.push(ctx.name);
      }),
    );
    await scheduler.start();
    await clock.advance(10_000);
    await removal;
    await clock.advance(30_000);
    expect(started).toEqual(['first', 'first', 'first', 'first']);
    await scheduler.stop(1_000);
  });

  it('should not run, at the due time it replaced, a task that an earlier run of that due time rescheduled', async () => {
    const { clock, scheduler } = setup();
    const started: string[] = [];
    scheduler.addTask(
      task('first', { type: 'every', seconds: 10 }, () => {
        if (started.length === 0)
          scheduler.reschedule('second', { type: 'every', seconds: 15 });
        started.push(`first@${clock.timestamp() - T0}`);
      }),
    );
    scheduler.addTask(
      task('second', { type: 'every', seconds: 10 }, () => {
        started.push(`second@${clock.timestamp() - T0}`);
      }),
    );
    await scheduler.start();
    await clock.advance(25_000);
    // Rescheduled at 10 s: its next due time is 15 s from then.
    expect(started).toEqual(['first@10000', 'first@20000', 'second@25000']);
    await scheduler.stop(1_000);
  });

  it('should cancel a waiting retry and resolve at once', async () => {
    const { clock, scheduler } = setup();
    let tries = 0;
    scheduler.addTask(
      task(
        'flaky',
        { type: 'every', minutes: 10 },
        () => {
          tries++;
          throw new Error('down');
        },
        { retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 60_000 } } },
      ),
    );
    await scheduler.start();
    await clock.advance(10 * 60_000); // the first try failed; its retry waits a minute
    expect(tries).toBe(1);
    expect(scheduler.getTask('flaky').running).toBe(true);
    await scheduler.removeTask('flaky');
    await clock.advance(30 * 60_000);
    expect(tries).toBe(1);
    await scheduler.stop(1_000);
  });

  it('should cancel a jittered start', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    scheduler.addTask(
      task('jittered', { type: 'every', minutes: 10 }, () => runs++, {
        jitter: 9 * 60_000,
      }),
    );
    await scheduler.start();
    // The first due time's start waits for its offset; remove meanwhile.
    const offset = jitterOffsetMs('jittered', T0 + 10 * 60_000, 9 * 60_000);
    expect(offset).toBeGreaterThan(0);
    await clock.advance(10 * 60_000);
    expect(runs).toBe(0);
    await scheduler.removeTask('jittered');
    await clock.advance(60 * 60_000);
    expect(runs).toBe(0);
    await scheduler.stop(1_000);
  });

  it('should ignore a claim answered after the removal, and resolve once it is answered', async () => {
    const coordinator = new HeldClaims();
    const { clock, scheduler } = setup({ coordinator });
    let runs = 0;
    scheduler.addTask(
      task('claimed', { type: 'every', seconds: 10 }, () => runs++),
    );
    await scheduler.start();
    await clock.advance(10_000);
    expect(coordinator.pending).toHaveLength(1);
    let removed = false;
    const removal = scheduler
      .removeTask('claimed')
      .then(() => (removed = true));
    await clock.advance(0);
    expect(removed).toBe(false);
    coordinator.pending[0](true);
    await removal;
    expect(runs).toBe(0);
    await clock.advance(60_000);
    expect(coordinator.pending).toHaveLength(1);
    await scheduler.stop(1_000);
  });

  it('should drop the removed task’s history in this process once its runs are over', async () => {
    const { clock, scheduler } = setup();
    scheduler.addTask(task('kept', { type: 'every', seconds: 10 }));
    await scheduler.start();
    await clock.advance(30_000);
    expect(await scheduler.getHistory('kept', 100)).toHaveLength(3);
    await scheduler.removeTask('kept');
    scheduler.addTask(task('kept', { type: 'every', seconds: 10 }));
    expect(await scheduler.getHistory('kept', 100)).toEqual([]);
    await scheduler.stop(1_000);
  });

  it('should still fire a task a run adds for its own due time when that run also removes a task of that due time', async () => {
    const { clock, scheduler } = setup();
    const ran: string[] = [];
    let done = false;
    scheduler.addTask(
      task('a', { type: 'every', seconds: 10 }, () => {
        if (done) return;
        done = true;
        // Due now (a @Once fires at once), then another task of this due time removed.
        scheduler.addTask(
          task('x', { type: 'once' }, () => void ran.push('x')),
        );
        void scheduler.removeTask('y');
      }),
    );
    scheduler.addTask(task('y', { type: 'every', seconds: 10 }));
    await scheduler.start();
    await clock.advance(40_000);
    expect(ran).toEqual(['x']);
    expect(scheduler.getTask('x').finished).toBe(true);
    await scheduler.stop(0);
  });

  it('should not queue a task again when its removal cancels a jittered start that counted against maxLoopCount', async () => {
    const { clock, scheduler, events } = setup();
    let runs = 0;
    scheduler.addTask(
      task(
        'jittered',
        { type: 'every', minutes: 10, maxLoopCount: 5 } as never,
        () => runs++,
        { jitter: 9 * 60_000 },
      ),
    );
    await scheduler.start();
    expect(
      jitterOffsetMs('jittered', T0 + 10 * 60_000, 9 * 60_000),
    ).toBeGreaterThan(0);
    await clock.advance(10 * 60_000); // its start waits for its offset
    expect(runs).toBe(0);
    let removed = false;
    void scheduler.removeTask('jittered').then(() => (removed = true));
    await clock.advance(0);
    expect(removed).toBe(true);
    const before = events.length;
    await clock.advance(60 * 60_000);
    expect(runs).toBe(0);
    expect(events.slice(before)).toEqual([]);
    await scheduler.stop(1_000);
  });

  it('should start no more backfilled runs once the task is removed', async () => {
    const { clock, scheduler } = setup();
    const ran: number[] = [];
    scheduler.addTask(
      task('t', { type: 'every', minutes: 1 }, async (ctx) => {
        ran.push(ctx.scheduledAt.getTime() - T0);
        await Promise.resolve();
      }),
    );
    await clock.advance(10 * 60_000);
    await scheduler.start();
    const backfill = scheduler.backfill(
      't',
      new Date(T0 + 60_000),
      new Date(T0 + 5 * 60_000),
    );
    expect(ran).toEqual([60_000]); // the first backfilled run has started
    const removal = scheduler.removeTask('t');
    await clock.advance(0);
    await removal;
    await expect(backfill).resolves.toBe(1);
    await clock.advance(0);
    expect(ran).toEqual([60_000]);
    await scheduler.stop(0);
  });

  it("should run a rescheduled task exactly its new maxLoopCount times when the old trigger's held runs are dropped later", async () => {
    const { clock, scheduler } = setup();
    const dues: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    scheduler.addTask(
      task(
        't',
        { type: 'every', seconds: 1 },
        async (ctx) => {
          dues.push(ctx.scheduledAt.getTime() - T0);
          if (dues.length === 1) await gate;
        },
        { overlap: 'bufferAll' },
      ),
    );
    await scheduler.start();
    await clock.advance(3_000); // the run of 1 s in flight, 2 s and 3 s buffered
    scheduler.reschedule('t', {
      type: 'every',
      seconds: 10,
      maxLoopCount: 2,
    } as never);
    scheduler.pause('t');
    release(); // the run of 1 s ends: the buffered ones are dropped (paused)
    await clock.advance(0);
    scheduler.resume('t');
    dues.length = 0;
    await clock.advance(100_000);
    expect(dues).toEqual([13_000, 23_000]);
    await scheduler.stop(0);
  });
});
