import { SystemClock } from '../../../lib/clock/system-clock';
import { Scheduler } from '../../../lib/scheduler/scheduler';
import { MemoryLogger, task } from './scheduler.fixtures';

describe('Scheduler on the SystemClock', () => {
  it("should not fire an every-30-days task within 300 ms (a delay beyond Node's 2^31-1 ms limit)", async () => {
    const scheduler = new Scheduler({
      clock: new SystemClock(),
      logger: new MemoryLogger(),
      timeZone: 'UTC',
    });
    let runs = 0;
    scheduler.addTask(
      task('monthly', { type: 'every', days: 30 }, () => runs++),
    );
    scheduler.addTask(
      task('soon', { type: 'every', seconds: 0.05, maxLoopCount: 2 }),
    );
    const before = Date.now();
    await scheduler.start();

    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(runs).toBe(0);
    expect(scheduler.getTask('soon')).toMatchObject({
      runs: 2,
      finished: true,
    });
    const next = scheduler.getTask('monthly').nextRunAt!.getTime();
    expect(next - before).toBeGreaterThanOrEqual(30 * 86_400_000);
    await scheduler.stop(100);
  });
});
