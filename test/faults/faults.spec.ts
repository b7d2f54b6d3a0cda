import {
  AioClockError,
  AioClockModule,
  AioClockRegistry,
  TaskTimeoutError,
} from '../../lib';
import {
  runAbortedOnShutdown,
  taskBusy,
  taskFailed,
} from '../../lib/aioclock.messages';
import { ABORT_SETTLE_MS } from '../../lib/scheduler/scheduler.constants';
import { createTestApp } from '../src/create-app';
import {
  FaultyModule,
  FaultyTasks,
  PileUpModule,
  PileUpTasks,
  StuckModule,
  StuckTasks,
} from '../src/faults/faulty.tasks';

const START = '2024-03-31T11:00:00Z';
const dueTimes = (count: number): string[] =>
  Array.from({ length: count }, (_, k) =>
    new Date(Date.parse(START) + (k + 1) * 1000).toISOString(),
  );

describe('Fault injection under VirtualClock', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  beforeEach(() => (unhandled.length = 0));

  it('should log every kind of failure with the task name, keep each task and its neighbours on schedule, and close cleanly', async () => {
    const { app, clock, logger } = await createTestApp(
      { imports: [AioClockModule.forRoot(), FaultyModule] },
      START,
    );
    const tasks = app.get(FaultyTasks);
    const registry = app.get(AioClockRegistry);

    // Ten due times each; the last `neverSettles` run times out 500 ms after it starts.
    await clock.advance(10_600);

    const name = (method: string): string => `FaultyTasks.${method}`;
    const failures: [string, unknown][] = [
      ['throwsSync', new Error('sync boom')],
      ['rejects', new Error('async boom')],
      ['throwsString', 'a string'],
      ['throwsUndefined', undefined],
      ['throwsObject', { code: 42, detail: 'not an Error' }],
      ['rejectsWithNull', null],
      ['neverSettles', new TaskTimeoutError(name('neverSettles'), 500)],
      ['callsItself', new AioClockError(taskBusy(name('callsItself'), 'skip'))],
    ];
    const errorLines = logger.aioclock('error').map((entry) => entry.message);
    for (const [method, error] of failures) {
      expect(tasks.calls[name(method)]).toEqual(dueTimes(10));
      const expectedLine = taskFailed(name(method), error);
      expect(expectedLine).toContain(name(method));
      expect(errorLines.filter((line) => line === expectedLine)).toHaveLength(
        10,
      );
      expect(registry.getTask(name(method))).toMatchObject({
        runs: 10,
        failures: 10,
        running: false,
        finished: false,
        nextRunAt: new Date('2024-03-31T11:00:11Z'),
      });
    }
    // Exactly those lines: nothing else went wrong, nothing was logged twice.
    expect(errorLines).toHaveLength(failures.length * 10);
    // The timeout aborted each stuck run's signal with the timeout error.
    expect(tasks.aborts).toHaveLength(10);
    expect(
      tasks.aborts.every((reason) => reason instanceof TaskTimeoutError),
    ).toBe(true);
    // The run a task asked of itself was refused by its overlap policy and counted as skipped.
    expect(registry.getTask(name('callsItself')).skipped).toBe(10);
    // The healthy neighbour ran at every due time.
    expect(tasks.calls[name('healthy')]).toEqual(dueTimes(10));
    expect(registry.getTask(name('healthy'))).toMatchObject({
      runs: 10,
      failures: 0,
      skipped: 0,
    });

    // Nothing is running, so close needs no time to pass.
    await app.close();
    expect(clock.pendingTimers()).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it('should close within shutdownTimeout plus the abort settle time when a run never settles and ignores its signal', async () => {
    const shutdownTimeout = 3_000;
    const { app, clock, logger } = await createTestApp(
      { imports: [AioClockModule.forRoot({ shutdownTimeout }), StuckModule] },
      START,
    );
    const tasks = app.get(StuckTasks);
    await clock.advance(0);
    expect(tasks.started).toBe(1);

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await clock.advance(shutdownTimeout - 1);
    expect(closed).toBe(false);
    expect(tasks.aborted).toBe(0);
    await clock.advance(1);
    expect(tasks.aborted).toBe(1);
    await clock.advance(ABORT_SETTLE_MS);
    await closing;
    expect(closed).toBe(true);

    const name = 'StuckTasks.stuck';
    const reason = new AioClockError(
      runAbortedOnShutdown(name, shutdownTimeout),
    );
    expect(logger.aioclock('warn').map((e) => e.message)).toContain(
      taskFailed(name, reason),
    );
    expect(app.get(AioClockRegistry).getTask(name)).toMatchObject({
      runs: 1,
      failures: 1,
      running: false,
    });
    expect(clock.pendingTimers()).toBe(0);
    expect(unhandled).toEqual([]);
  });

  describe('when 1 000 runs are in flight', () => {
    const RUNS = 1_000;
    const shutdownTimeout = 5_000;

    async function pileUp() {
      const testApp = await createTestApp(
        {
          imports: [AioClockModule.forRoot({ shutdownTimeout }), PileUpModule],
        },
        START,
      );
      await testApp.clock.advance(RUNS * 1000);
      const tasks = testApp.app.get(PileUpTasks);
      expect(tasks.inFlight).toBe(RUNS);
      expect(
        testApp.app.get(AioClockRegistry).getTask('PileUpTasks.pileUp'),
      ).toMatchObject({ runs: RUNS, running: true });
      return { ...testApp, tasks };
    }

    it('should abort them all at shutdownTimeout, count each as failed, and close', async () => {
      const { app, clock, logger, tasks } = await pileUp();
      let closed = false;
      const closing = app.close().then(() => (closed = true));
      await clock.advance(shutdownTimeout - 1);
      expect(closed).toBe(false);
      expect(tasks.inFlight).toBe(RUNS);
      await clock.advance(1);
      await closing;

      expect(tasks).toMatchObject({ inFlight: 0, aborted: RUNS, succeeded: 0 });
      const name = 'PileUpTasks.pileUp';
      const line = taskFailed(
        name,
        new AioClockError(runAbortedOnShutdown(name, shutdownTimeout)),
      );
      expect(
        logger.aioclock('warn').filter((e) => e.message === line),
      ).toHaveLength(RUNS);
      expect(app.get(AioClockRegistry).getTask(name)).toMatchObject({
        runs: RUNS,
        failures: RUNS,
        running: false,
      });
      expect(clock.pendingTimers()).toBe(0);
      expect(unhandled).toEqual([]);
    });

    it('should drain them all when they finish within shutdownTimeout, firing nothing new', async () => {
      const { app, clock, tasks } = await pileUp();
      let closed = false;
      const closing = app.close().then(() => (closed = true));
      await clock.advance(shutdownTimeout / 2);
      expect(closed).toBe(false);
      tasks.open();
      await clock.advance(0);
      await closing;

      expect(tasks).toMatchObject({ inFlight: 0, aborted: 0, succeeded: RUNS });
      expect(
        app.get(AioClockRegistry).getTask('PileUpTasks.pileUp'),
      ).toMatchObject({ runs: RUNS, failures: 0 });
      expect(clock.pendingTimers()).toBe(0);
      expect(unhandled).toEqual([]);
    });
  });
});
