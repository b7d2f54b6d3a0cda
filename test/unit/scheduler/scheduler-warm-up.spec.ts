import type { TaskContext } from '../../../lib/interfaces/task-context.interface';
import { setup, task, T0 } from './scheduler.fixtures';

describe('Scheduler.warmUp', () => {
  it('should fire the no-op tasks it is given, rounds times, by hand, and arm nothing', () => {
    const { clock, scheduler } = setup();
    const seen: number[] = [];
    const noop = (ctx: TaskContext): void => {
      seen.push(ctx.scheduledAt.getTime() - T0);
    };
    const defs = [
      task('w1', { type: 'every', seconds: 1 }, noop),
      task('w2', { type: 'cron', cron: '* * * * * *' }, noop),
    ];

    scheduler.warmUp(defs, 3);

    // Fired without the clock moving: the virtual time stood still.
    expect(clock.timestamp()).toBe(T0);
    expect(seen.sort((a, b) => a - b)).toEqual([
      1_000, 1_000, 2_000, 2_000, 3_000, 3_000,
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should leave the scheduler it is called on untouched', async () => {
    const { clock, scheduler, events } = setup();
    let runs = 0;
    scheduler.addTask(
      task('real', { type: 'every', seconds: 1 }, () => runs++),
    );

    scheduler.warmUp([task('real', { type: 'every', seconds: 1 })], 4);

    expect(scheduler.getTasks().map((info) => info.name)).toEqual(['real']);
    expect(events).toEqual([]);
    expect(runs).toBe(0);
    await scheduler.start();
    await clock.advance(2_000);
    expect(scheduler.getTask('real')).toMatchObject({ runs: 2, skipped: 0 });
    expect(runs).toBe(2);
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should stop early when the tasks have no due time left', () => {
    const { scheduler } = setup();
    let runs = 0;
    scheduler.warmUp([task('w', { type: 'once' }, () => runs++)], 10);
    expect(runs).toBe(1);
  });
});
