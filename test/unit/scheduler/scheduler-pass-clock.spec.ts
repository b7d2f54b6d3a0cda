import type { TaskEvent } from '../../../lib/interfaces/task-event.interface';
import { PASS_CLOCK_RUNS } from '../../../lib/scheduler/scheduler.constants';
import { Scheduler } from '../../../lib/scheduler/scheduler';
import {
  ManualClock,
  MemoryLogger,
  setup,
  task,
  T0,
} from './scheduler.fixtures';

/** A manual clock that counts the scheduler's readings; `tick` moves it without reading. */
class CountingClock extends ManualClock {
  timestamps = 0;
  dates = 0;
  private at = T0;
  override timestamp(): number {
    this.timestamps++;
    return this.at;
  }
  // Read once per wake-up by the wall-clock step check; counted apart, since
  // the base Clock's monotonic() would read timestamp().
  monotonics = 0;
  override monotonic(): number {
    this.monotonics++;
    return this.at;
  }
  override now(): Date {
    this.dates++;
    return new Date(this.at);
  }
  override set(ms: number): void {
    this.at = ms;
    super.set(ms);
  }
  tick(ms: number): void {
    this.set(this.at + ms);
  }
}

describe('Scheduler dispatch pass', () => {
  it('should read the clock once per PASS_CLOCK_RUNS runs of one wake-up, the runs between sharing that reading', async () => {
    const clock = new CountingClock(T0);
    const { scheduler } = setup({ clock });
    const n = 3 * PASS_CLOCK_RUNS + 10;
    const startedAt: number[] = [];
    const lastRunAt: number[] = [];
    for (let i = 0; i < n; i++)
      scheduler.addTask(
        task(`t${i}`, { type: 'every', seconds: 1 }, (ctx) => {
          startedAt.push(ctx.startedAt.getTime() - T0);
          // Each body takes 1 ms: the shared reading falls behind, up to the next one.
          clock.tick(1);
        }),
      );
    await scheduler.start();
    clock.set(T0 + 1_000);
    clock.timestamps = 0;
    clock.fire();
    for (let i = 0; i < n; i++)
      lastRunAt.push(scheduler.getTask(`t${i}`).lastRunAt!.getTime() - T0);

    expect(startedAt).toHaveLength(n);
    // Run i starts at 1000 + i ms; it sees the reading taken at the start of
    // its block of PASS_CLOCK_RUNS runs.
    const expected = startedAt.map((_, i) => {
      const block = Math.floor((i + 1) / PASS_CLOCK_RUNS);
      return 1_000 + (block === 0 ? 0 : block * PASS_CLOCK_RUNS - 1);
    });
    expect(startedAt).toEqual(expected);
    expect(lastRunAt).toEqual(expected);
    // The wake-up's reading, one per block, and the re-arm's.
    expect(clock.timestamps).toBe(1 + Math.floor(n / PASS_CLOCK_RUNS) + 1);
    await scheduler.stop(0);
  });

  it('should read the clock for each run started outside a dispatch pass', async () => {
    const clock = new CountingClock(T0);
    const { scheduler } = setup({ clock });
    const startedAt: number[] = [];
    scheduler.addTask(
      task('manual', { type: 'every', hours: 1 }, (ctx) => {
        startedAt.push(ctx.startedAt.getTime() - T0);
      }),
    );
    await scheduler.start();
    for (const at of [5, 7, 9]) {
      clock.set(T0 + at);
      await scheduler.runTask('manual');
    }
    expect(startedAt).toEqual([5, 7, 9]);
    await scheduler.stop(0);
  });

  it('should build no event and read no Date when nobody subscribes to events$', async () => {
    const clock = new CountingClock(T0);
    const scheduler = new Scheduler({
      clock,
      logger: new MemoryLogger(),
      timeZone: 'UTC',
    });
    let runs = 0;
    for (let i = 0; i < 10; i++)
      scheduler.addTask(
        task(`t${i}`, { type: 'every', seconds: 1 }, () => void runs++),
      );
    await scheduler.start();
    clock.set(T0 + 1_000);
    clock.fire();
    expect(runs).toBe(10);
    expect(clock.dates).toBe(0);

    const events: TaskEvent[] = [];
    const subscription = scheduler.events$.subscribe((e) => events.push(e));
    clock.set(T0 + 2_000);
    clock.fire();
    subscription.unsubscribe();
    expect(runs).toBe(20);
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['scheduled', 'started', 'succeeded']),
    );
    expect(clock.dates).toBe(events.length);
    await scheduler.stop(0);
  });
});
