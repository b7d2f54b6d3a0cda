import {
  SystemClock,
  SYSTEM_CLOCK_MAX_WAIT_MS,
  SYSTEM_CLOCK_POLLED_WAIT_MS,
} from '../../../lib/clock/system-clock';

const NODE_MAX_DELAY_MS = 2 ** 31 - 1;
const DAY = 86_400_000;

describe('SystemClock', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('should not fire a delay beyond 2^31-1 ms right away (Node alone would clamp it to 1 ms)', async () => {
    const clock = new SystemClock();
    let fired = false;
    const handle = clock.setTimer(
      () => (fired = true),
      NODE_MAX_DELAY_MS + 1_000,
    );

    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(fired).toBe(false);
    clock.clearTimer(handle);
  });

  it('should never fire before the target instant by Date.now()', async () => {
    const clock = new SystemClock();
    const results = await Promise.all(
      [1, 5, 10, 20].map(
        (delay) =>
          new Promise<number>((resolve) => {
            const armedAt = Date.now();
            clock.setTimer(() => resolve(Date.now() - armedAt - delay), delay);
          }),
      ),
    );

    for (const lateness of results) expect(lateness).toBeGreaterThanOrEqual(0);
  });

  it('should never fire a wait whose last millisecond is polled before its target either', async () => {
    const clock = new SystemClock();
    const delay = SYSTEM_CLOCK_POLLED_WAIT_MS;
    const results = await Promise.all(
      [0, 1, 2].map(
        (extra) =>
          new Promise<number>((resolve) => {
            const armedAt = Date.now();
            clock.setTimer(
              () => resolve(Date.now() - armedAt - delay - extra),
              delay + extra,
              true,
            );
          }),
      ),
    );

    for (const lateness of results) expect(lateness).toBeGreaterThanOrEqual(0);
  });

  it('should cancel a timer while it polls its last millisecond', async () => {
    const clock = new SystemClock();
    let fired = false;
    const handle = clock.setTimer(
      () => (fired = true),
      SYSTEM_CLOCK_POLLED_WAIT_MS,
      true,
    );
    // Within the last millisecond or two: the wait is being polled, or about to be.
    await new Promise((resolve) =>
      setTimeout(resolve, SYSTEM_CLOCK_POLLED_WAIT_MS - 2),
    );
    clock.clearTimer(handle);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(fired).toBe(false);
  });

  it.each([
    ['Date.now() and performance.now() both faked', []],
    ['only Date.now() faked', ['performance' as const]],
  ])(
    'should fire a polled wait at its target under fake timers (%s)',
    (_label, doNotFake) => {
      jest.useFakeTimers({ now: new Date('2024-01-01T00:00:00Z'), doNotFake });
      const clock = new SystemClock();
      let fired = 0;
      clock.setTimer(() => fired++, 1_000, true);

      jest.advanceTimersByTime(999);
      expect(fired).toBe(0);
      jest.runAllTimers();
      expect(fired).toBe(1);
      expect(Date.now()).toBe(Date.parse('2024-01-01T00:00:01Z'));
      expect(jest.getTimerCount()).toBe(0);
    },
  );

  it.each([true, false])(
    'should stop polling when Date.now() stays a millisecond short of the target, and fire by elapsed time (precise: %s; only a precise timer polls)',
    async (precise) => {
      const clock = new SystemClock();
      const delay = SYSTEM_CLOCK_POLLED_WAIT_MS;
      const polls: number[] = [];
      const setImmediateReal = global.setImmediate;
      jest.spyOn(global, 'setImmediate').mockImplementation(((
        callback: (timer: unknown) => void,
        timer: unknown,
      ) => {
        polls.push(performance.now());
        return setImmediateReal(callback, timer);
      }) as typeof setImmediate);
      const realNow = Date.now();
      const started = performance.now();
      // Time runs (by whole ms), then stops one ms before the target: a test
      // that froze it. The first reading is the one the timer is armed with.
      let armedAt: number | undefined;
      jest.spyOn(Date, 'now').mockImplementation(() => {
        const now = realNow + Math.floor(performance.now() - started);
        armedAt ??= now;
        return Math.min(now, armedAt + delay - 1);
      });

      await new Promise<void>((resolve) =>
        clock.setTimer(() => resolve(), delay, precise),
      );
      const waited = performance.now() - started;

      // Fired by elapsed time (delay + step-back tolerance, ~100 ms more),
      // having polled for a few ms only, not for all of that time.
      expect(waited).toBeGreaterThanOrEqual(delay + 100);
      if (!precise) expect(polls).toEqual([]);
      else {
        expect(polls.length).toBeGreaterThan(0);
        expect(polls[polls.length - 1] - polls[0]).toBeLessThan(50);
      }
    },
  );

  it('should run deferred calls, and cancel timers and deferred calls', async () => {
    const clock = new SystemClock();
    const fired: string[] = [];
    clock.clearTimer(clock.setTimer(() => fired.push('timer'), 5));
    clock.clearTimer(clock.defer(() => fired.push('cancelled')));
    await new Promise<void>((resolve) => clock.defer(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(fired).toEqual([]);
    expect(clock.timestamp()).toBeLessThanOrEqual(Date.now());
  });

  it('should reach a 70-day target through capped waits, with one handle that cancels across re-arms', () => {
    jest.useFakeTimers({ now: new Date('2024-01-01T00:00:00Z') });
    const clock = new SystemClock();
    let fired = 0;
    clock.setTimer(() => fired++, 70 * DAY);
    const cancelled = clock.setTimer(() => fired++, 70 * DAY);

    jest.advanceTimersByTime(35 * DAY);
    clock.clearTimer(cancelled);
    jest.advanceTimersByTime(35 * DAY - 1);
    expect(fired).toBe(0);
    expect(jest.getTimerCount()).toBe(1);

    jest.advanceTimersByTime(1);
    expect(fired).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('should notice a forward wall-clock jump within one capped wait', () => {
    jest.useFakeTimers({ now: new Date('2024-01-01T00:00:00Z') });
    const clock = new SystemClock();
    let fired = 0;
    clock.setTimer(() => fired++, 10 * DAY);

    jest.setSystemTime(Date.now() + 10 * DAY);
    expect(fired).toBe(0);
    jest.advanceTimersByTime(SYSTEM_CLOCK_MAX_WAIT_MS);

    expect(fired).toBe(1);
  });

  it('should still fire a timer by elapsed time after the wall clock is stepped back an hour', async () => {
    const clock = new SystemClock();
    const real = Date.now.bind(Date);
    let firedAtWall = NaN;
    const fired = new Promise<void>((resolve) =>
      clock.setTimer(() => {
        firedAtWall = Date.now();
        resolve();
      }, 20),
    );
    const stepped = real();
    jest.spyOn(Date, 'now').mockImplementation(() => real() - 3_600_000);

    await fired;

    // By the stepped wall clock the target is an hour ahead: it fired anyway.
    expect(firedAtWall).toBeLessThan(stepped);
    expect(clock.monotonic()).toBeGreaterThan(0);
  });
});
