import type { Coordinator } from '../../../lib/coordination/coordinator.interface';
import { VirtualClock } from '../../../lib/clock/virtual-clock';
import { jitterOffsetMs } from '../../../lib/scheduler/due-jitter';
import { setup, task, T0 } from '../scheduler/scheduler.fixtures';

// jitter: each due time starts up to `jitter` ms late, by an offset derived
// from (task name, due time) — the same in every process — while
// `scheduledAt` and the coordinator's claim key stay the nominal due time.

/** An in-memory fence shared by schedulers in one test: the first claim of a key wins. */
class SharedFence implements Coordinator {
  readonly alignsToEpoch = true;
  readonly keys: string[] = [];
  private readonly claimed = new Set<string>();
  claim(task: string, dueAt: number): Promise<boolean> {
    const key = `${task}@${dueAt}`;
    this.keys.push(key);
    const won = !this.claimed.has(key);
    this.claimed.add(key);
    return Promise.resolve(won);
  }
  lease(): Promise<boolean> {
    return Promise.resolve(true);
  }
  release(): Promise<void> {
    return Promise.resolve();
  }
}

/** 20 minutely tasks with jitter 30 s; `seen` gets `name scheduledAt+offset` per run. */
function fleet(clock: VirtualClock, coordinator?: Coordinator) {
  const { scheduler } = setup({ clock, coordinator });
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    scheduler.addTask(
      task(
        `job-${i}`,
        { type: 'every', minutes: 1 },
        (ctx) => {
          const due = ctx.scheduledAt.getTime();
          seen.push(`${ctx.name} ${due}+${ctx.startedAt.getTime() - due}`);
        },
        { jitter: 30_000 },
      ),
    );
  }
  return { scheduler, seen };
}

/** Five minutes (and the last jitter window) of one fleet on its own clock. */
async function runFleet(clock: VirtualClock): Promise<string[]> {
  const { scheduler, seen } = fleet(clock);
  await scheduler.start();
  await clock.advance(5 * 60_000 + 30_000);
  await scheduler.stop(0);
  return seen;
}

describe('jitter', () => {
  it('should start each due time at the same offset in two separate schedulers', async () => {
    const a = await runFleet(new VirtualClock(new Date(T0)));
    const b = await runFleet(new VirtualClock(new Date(T0)));

    expect(a).toHaveLength(100);
    expect(b).toEqual(a);
    for (const line of a) {
      const [name, at] = line.split(' ');
      const [due, offset] = at.split('+').map(Number);
      expect(offset).toBe(jitterOffsetMs(name, due, 30_000));
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(30_000);
    }
    expect(new Set(a.map((line) => line.split('+')[1])).size).toBeGreaterThan(
      50,
    );
  });

  it('should claim the nominal due time, so two replicas run each due time once', async () => {
    const clock = new VirtualClock(new Date(T0));
    const fence = new SharedFence();
    const one = fleet(clock, fence);
    const two = fleet(clock, fence);
    await Promise.all([one.scheduler.start(), two.scheduler.start()]);
    await clock.advance(5 * 60_000 + 30_000);
    await Promise.all([one.scheduler.stop(0), two.scheduler.stop(0)]);
    const [a, b] = [one.seen, two.seen];

    const runs = [...a, ...b].map((line) => line.split('+')[0]);
    expect(new Set(runs).size).toBe(runs.length);
    expect(runs).toHaveLength(100);
    // Claims are for due times on the minute (aligned, not jittered), each asked twice.
    expect(fence.keys).toHaveLength(200);
    for (const key of fence.keys)
      expect(Number(key.split('@')[1]) % 60_000).toBe(0);
  });

  it('should spread a thousand tasks due at midnight over the jitter window', () => {
    // The offsets the scheduler applies (the first test checks it applies
    // exactly these); computed directly, since each jittered start is a
    // virtual timer and VirtualClock settles promise chains after each.
    const midnight = Date.parse('2024-04-01T00:00:00Z');
    const offsets = Array.from({ length: 1_000 }, (_, i) =>
      jitterOffsetMs(`tenant-${i}.report`, midnight, 60_000),
    );

    // Ten buckets of 6 s (100 each if even): none below half of that, none above 1.5x.
    const buckets = new Array<number>(10).fill(0);
    for (const offset of offsets) buckets[Math.floor(offset / 6_000)]++;
    for (const count of buckets) {
      expect(count).toBeGreaterThan(50);
      expect(count).toBeLessThan(150);
    }
    expect(new Set(offsets).size).toBeGreaterThan(950);
  });

  it('should skip a jittered run whose task was paused before it started, and leave no timer at stop', async () => {
    const { clock, scheduler, offsets } = setup();
    const name = 'j';
    // A due time whose offset is large enough to pause in between.
    let due = T0 + 60_000;
    while (jitterOffsetMs(name, due, 50_000) < 10_000) due += 60_000;
    scheduler.addTask(
      task(name, { type: 'every', minutes: 1 }, () => undefined, {
        jitter: 50_000,
      }),
    );
    await scheduler.start();
    await clock.advanceTo(new Date(due + 1));
    scheduler.pause(name);
    await clock.advance(50_000);

    expect(offsets('started', name)).not.toContain(due - T0);
    expect(offsets('skipped', name)).toContain(due - T0);

    scheduler.resume(name);
    await clock.advanceTo(new Date(due + 60_001));
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should start a jittered run before the next due time on a day shorter than the period (a daily @At on the spring-forward day)', async () => {
    const clock = new VirtualClock(new Date('2024-03-30T06:00:00Z'));
    const { scheduler } = setup({ clock });
    const starts: { due: string; at: number }[] = [];
    // Checked against 24 h; 2024-03-31 in Berlin has 23 (09:00 CET, then 09:00 CEST).
    scheduler.addTask(
      task(
        'J223',
        { type: 'at', hour: 9, tz: 'Europe/Berlin' },
        (ctx) =>
          void starts.push({
            due: ctx.scheduledAt.toISOString(),
            at: ctx.startedAt.getTime(),
          }),
        { jitter: 86_000_000 },
      ),
    );
    // Its offset for that due time is more than the 23 h to the next one.
    expect(
      jitterOffsetMs('J223', Date.parse('2024-03-30T08:00:00Z'), 86_000_000),
    ).toBeGreaterThan(23 * 3_600_000);
    await scheduler.start();
    await clock.advance(3 * 86_400_000);
    const first = starts.find((s) => s.due === '2024-03-30T08:00:00.000Z')!;
    expect(first.at).toBeLessThan(Date.parse('2024-03-31T07:00:00Z'));
    expect(starts.map((s) => s.at)).toEqual(
      [...starts.map((s) => s.at)].sort((a, b) => a - b),
    );
    await scheduler.stop(0);
  });
});
