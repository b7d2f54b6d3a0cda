import { AioClockModule, AioClockRegistry } from '../../lib';
import { createTestApp } from '../src/create-app';
import {
  Database,
  DatabaseModule,
  DatabaseTasks,
  FlakyModule,
  FlakyTasks,
  SlowModule,
  SlowTasks,
} from '../src/lifecycle.fixtures';

describe('Lifecycle', () => {
  it('should log a throwing task with its name and stack through the AioClock logger, and keep its schedule', async () => {
    const { app, clock, logger } = await createTestApp({
      imports: [AioClockModule.forRoot(), FlakyModule],
    });
    await clock.advance(30_000);
    const tasks = app.get(FlakyTasks);
    expect(tasks.attempts).toBe(3);
    expect(tasks.calm).toBe(3);
    const errors = logger.aioclock('error');
    expect(errors).toHaveLength(3);
    expect(errors[0].message).toContain('FlakyTasks.flaky');
    expect(errors[0].message).toContain('boom #1');
    expect(errors[0].stack).toContain('Error: boom #1');
    const info = app.get(AioClockRegistry).getTask('FlakyTasks.flaky');
    expect(info).toMatchObject({ runs: 3, failures: 3, finished: false });
    expect(info.nextRunAt).toEqual(new Date('2024-03-31T11:00:40Z'));
    await app.close();
  });

  it('should make app.close() wait for a running task, fire nothing more, and leave no timer', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), SlowModule],
    });
    const tasks = app.get(SlowTasks);
    await clock.advance(5_000);
    expect(tasks.started).toBe(1);

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await clock.advance(1_000);
    expect(closed).toBe(false);
    expect(tasks.finished).toBe(0);

    tasks.gate.open();
    await closing;
    expect(tasks.finished).toBe(1);
    expect(tasks.aborted).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(60_000);
    expect(tasks.started).toBe(1);
  });

  it('should abort a run that outlives shutdownTimeout and still close', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot({ shutdownTimeout: 2_000 }), SlowModule],
    });
    const tasks = app.get(SlowTasks);
    await clock.advance(5_000);
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await clock.advance(1_999);
    expect(tasks.aborted).toBe(0);
    expect(closed).toBe(false);
    await clock.advance(1);
    expect(tasks.aborted).toBe(1);
    await clock.advance(1_000);
    await closing;
    expect(closed).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should start after every module has bootstrapped, and drain before their shutdown hooks', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), DatabaseModule],
    });
    const db = app.get(Database);
    await clock.advance(1_000);
    const closing = app.close();
    await clock.advance(10);
    app.get(DatabaseTasks).gate.open();
    await closing;
    expect(db.seen).toEqual([
      'startup (connected true)',
      'query (connected true)',
      'query done (connected true)',
      'shutdown (connected true)',
      'beforeApplicationShutdown (connected true)',
    ]);
    expect(db.connected).toBe(false);
  });
});
