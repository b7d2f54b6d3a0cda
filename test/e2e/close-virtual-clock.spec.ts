import { AioClockModule } from '../../lib';
import { runAbortedOnShutdown, taskFailed } from '../../lib/aioclock.messages';
import { AioClockError } from '../../lib/errors/aioclock.error';
import { createTestApp } from '../src/create-app';
import { SlowModule, SlowTasks } from '../src/lifecycle.fixtures';

// The most common test shape in Nest apps: afterEach(() => app.close()) while
// a run is still blocked, and nobody advances the VirtualClock any more.
describe('app.close() under a VirtualClock', () => {
  it('should return without anyone advancing the clock, abort the blocked run and name it in a warning', async () => {
    const { app, clock, logger } = await createTestApp({
      imports: [
        AioClockModule.forRoot({ shutdownTimeout: 10_000 }),
        SlowModule,
      ],
    });
    const tasks = app.get(SlowTasks);
    await clock.advance(5_000);
    expect(tasks.started).toBe(1);

    await app.close();

    expect(tasks.aborted).toBe(1);
    expect(tasks.finished).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(logger.aioclock('warn').map((entry) => entry.message)).toEqual([
      taskFailed(
        'SlowTasks.slow',
        new AioClockError(runAbortedOnShutdown('SlowTasks.slow', 10_000)),
      ),
    ]);
  });

  it('should still let a run released right after close() finish normally', async () => {
    const { app, clock, logger } = await createTestApp({
      imports: [AioClockModule.forRoot(), SlowModule],
    });
    const tasks = app.get(SlowTasks);
    await clock.advance(5_000);

    const closing = app.close();
    tasks.gate.open();
    await closing;

    expect(tasks.finished).toBe(1);
    expect(tasks.aborted).toBe(0);
    expect(logger.aioclock('warn')).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
