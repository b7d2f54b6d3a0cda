import { VirtualClock } from '../../../lib/clock/virtual-clock';

const T0 = new Date('2024-03-31T11:00:00Z');
const t0 = T0.getTime();

describe('VirtualClock', () => {
  it('should start at the given instant, or at the epoch by default', () => {
    expect(new VirtualClock(T0).now()).toEqual(T0);
    expect(new VirtualClock().timestamp()).toBe(0);
  });

  it('should fire timers in due-time order, first armed first for equal due times, each at its due time', async () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    const at = (label: string) => () =>
      fired.push(`${label}@${clock.timestamp() - t0}`);
    clock.setTimer(at('c'), 300);
    clock.setTimer(at('a'), 100);
    clock.setTimer(at('b1'), 200);
    clock.setTimer(at('b2'), 200);
    clock.setTimer(at('late'), 1_001);

    await clock.advance(1_000);

    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300']);
    expect(clock.timestamp()).toBe(t0 + 1_000);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toEqual(new Date(t0 + 1_001));
  });

  it('should fire timers armed during the advance when they fall within the target', async () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    const tick = (): void => {
      fired.push(clock.timestamp() - t0);
      clock.setTimer(tick, 250);
    };
    clock.setTimer(tick, 250);

    await clock.advance(1_000);

    expect(fired).toEqual([250, 500, 750, 1_000]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('should fire a zero-delay timer at the current instant on the next advance', async () => {
    const clock = new VirtualClock(T0);
    const seen: number[] = [];
    clock.setTimer(() => seen.push(clock.timestamp()), 0);
    expect(seen).toEqual([]);

    await clock.advance(0);

    expect(seen).toEqual([t0]);
  });

  it('should not fire cleared timers or deferred calls, and count only live ones', async () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    const timer = clock.setTimer(() => fired.push('timer'), 10);
    const deferred = clock.defer(() => fired.push('deferred'));
    clock.setTimer(() => fired.push('kept'), 20);
    expect(clock.pendingTimers()).toBe(3);

    clock.clearTimer(timer);
    clock.clearTimer(deferred);
    clock.clearTimer(deferred);
    expect(clock.pendingTimers()).toBe(1);

    await clock.advance(100);

    expect(fired).toEqual(['kept']);
    expect(clock.pendingTimers()).toBe(0);
    expect(clock.nextTimerAt()).toBeNull();
  });

  it("should let a run's promise chain settle before the next due time fires", async () => {
    const clock = new VirtualClock(T0);
    const log: string[] = [];
    clock.setTimer(() => {
      void (async () => {
        await Promise.resolve();
        await new Promise((resolve) => setImmediate(resolve));
        await Promise.resolve();
        log.push(`chain done@${clock.timestamp() - t0}`);
      })();
    }, 100);
    clock.setTimer(() => log.push(`second@${clock.timestamp() - t0}`), 200);

    await clock.advance(200);

    expect(log).toEqual(['chain done@100', 'second@200']);
  });

  it('should not be hung by a run that never settles', async () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    clock.setTimer(() => {
      void new Promise(() => undefined).then(() => fired.push(-1));
      fired.push(clock.timestamp() - t0);
    }, 100);
    clock.setTimer(() => fired.push(clock.timestamp() - t0), 200);

    await clock.advance(500);

    expect(fired).toEqual([100, 200]);
    expect(clock.timestamp()).toBe(t0 + 500);
  });

  it('should run deferred calls during a flush, a bounded number of times for one that re-defers itself', async () => {
    const clock = new VirtualClock(T0);
    let runs = 0;
    const loop = (): void => {
      runs++;
      clock.defer(loop);
    };
    clock.defer(loop);

    await clock.advance(0);
    const afterFirst = runs;
    await clock.advance(0);

    expect(afterFirst).toBeGreaterThan(1);
    expect(runs).toBe(2 * afterFirst);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('should reject a target before now, naming both instants', async () => {
    const clock = new VirtualClock(T0);
    await expect(clock.advanceTo(new Date(t0 - 1))).rejects.toThrow(
      'VirtualClock: cannot move to 2024-03-31T10:59:59.999Z: it is before now (2024-03-31T11:00:00.000Z); time only moves forward',
    );
    await expect(clock.advance(-5)).rejects.toThrow(RangeError);
    expect(() => new VirtualClock(new Date('nope'))).toThrow(
      'VirtualClock: invalid time "Invalid Date"',
    );
  });

  it('should reach the target and then reject with the first error a timer threw', async () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    clock.setTimer(() => {
      throw new Error('boom');
    }, 10);
    clock.setTimer(() => fired.push(clock.timestamp() - t0), 20);

    await expect(clock.advance(50)).rejects.toThrow('boom');

    expect(fired).toEqual([20]);
    expect(clock.timestamp()).toBe(t0 + 50);
  });

  it('should serialise concurrent advances', async () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    for (const delay of [10, 20, 30])
      clock.setTimer(() => fired.push(clock.timestamp() - t0), delay);

    await Promise.all([clock.advance(15), clock.advance(15)]);

    expect(fired).toEqual([10, 20, 30]);
    expect(clock.timestamp()).toBe(t0 + 30);
  });

  it('should step the wall time without moving elapsed time, keeping timers due by elapsed time', async () => {
    const clock = new VirtualClock(T0);
    const fired: [number, number][] = [];
    clock.setTimer(
      () => fired.push([clock.timestamp() - t0, clock.monotonic() - t0]),
      1_000,
    );
    clock.stepWall(-3_600_000);

    expect(clock.timestamp()).toBe(t0 - 3_600_000);
    expect(clock.monotonic()).toBe(t0);
    expect(clock.nextTimerAt()).toEqual(new Date(t0 + 1_000 - 3_600_000));
    await clock.advance(1_000);

    expect(fired).toEqual([[1_000 - 3_600_000, 1_000]]);
    await clock.advanceTo(new Date(t0 - 3_000_000));
    expect(clock.monotonic()).toBe(t0 + 600_000);
  });

  it('should call onIdle once nobody advances it, and not while advances keep coming', async () => {
    const clock = new VirtualClock(T0);
    let idle = 0;
    clock.onIdle(() => idle++);
    const cancelled = clock.onIdle(() => idle++);
    clock.clearTimer(cancelled);
    // Advances back to back, each within the idle window of the last.
    for (let i = 0; i < 3; i++) {
      await clock.advance(1);
      expect(idle).toBe(0);
    }

    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(idle).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });
});
