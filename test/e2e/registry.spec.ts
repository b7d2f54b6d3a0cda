import {
  AioClockError,
  AioClockModule,
  AioClockRegistry,
  Every,
  TaskNotFoundError,
  type TaskEvent,
} from '../../lib';
import { invalidHistoryLimit } from '../../lib/aioclock.messages';
import { createTestApp } from '../src/create-app';
import { ReportsFixtureModule, ReportTasks } from '../src/lifecycle.fixtures';

describe('AioClockRegistry', () => {
  it('should list tasks with their trigger, group and state', async () => {
    const { app } = await createTestApp({
      imports: [AioClockModule.forRoot(), ReportsFixtureModule],
    });
    const registry = app.get(AioClockRegistry);
    expect(registry.getTasks().map((t) => t.name)).toEqual([
      'ReportTasks.daily',
      'ReportTasks.weekly',
      'ReportTasks.monthly',
      'reports.sum',
      'reports.fail',
    ]);
    expect(registry.getTask('reports.sum')).toMatchObject({
      name: 'reports.sum',
      group: 'reports',
      trigger: { type: 'every', hours: 1 },
      nextRunAt: new Date('2024-03-31T12:00:00Z'),
      lastRunAt: null,
      running: false,
      runs: 0,
      failures: 0,
      skipped: 0,
      finished: false,
    });
    expect(() => registry.getTask('nope')).toThrow(TaskNotFoundError);
    expect(() => registry.getTask('nope')).toThrow(
      'No task named "nope" is registered',
    );
    await app.close();
  });

  it('should run a task now, resolving to its result or rejecting with its error', async () => {
    const { app, logger } = await createTestApp({
      imports: [AioClockModule.forRoot(), ReportsFixtureModule],
    });
    const registry = app.get(AioClockRegistry);
    await expect(registry.runTask('reports.sum')).resolves.toBe(5);
    await expect(registry.runTask('reports.fail')).rejects.toThrow(
      new TypeError('no data'),
    );
    await expect(registry.runTask('nope')).rejects.toThrow(TaskNotFoundError);
    expect(registry.getTask('reports.sum')).toMatchObject({
      runs: 1,
      failures: 0,
      lastRunAt: new Date('2024-03-31T11:00:00Z'),
    });
    expect(registry.getTask('reports.fail')).toMatchObject({
      runs: 1,
      failures: 1,
    });
    expect(
      logger
        .aioclock('error')
        .map((e) => e.message)
        .join('\n'),
    ).toContain('reports.fail');
    await app.close();
  });

  it('should emit scheduled, started, succeeded, failed and skipped events', async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), ReportsFixtureModule],
    });
    const registry = app.get(AioClockRegistry);
    const events: TaskEvent[] = [];
    const subscription = registry.events$.subscribe((e) => events.push(e));
    for (const name of [
      'ReportTasks.daily',
      'ReportTasks.weekly',
      'ReportTasks.monthly',
    ])
      registry.pause(name);
    await clock.advance(3_600_000);
    subscription.unsubscribe();

    const of = (name: string) =>
      events.filter((e) => e.name === name).map((e) => e.type);
    // The next due time is armed as the current one fires.
    expect(of('reports.sum')).toEqual(['scheduled', 'started', 'succeeded']);
    expect(of('reports.fail')).toEqual(['scheduled', 'started', 'failed']);
    expect(
      events.find((e) => e.type === 'scheduled' && e.name === 'reports.sum')!
        .scheduledAt,
    ).toEqual(new Date('2024-03-31T13:00:00Z'));
    const failed = events.find((e) => e.type === 'failed')!;
    expect(failed).toMatchObject({
      group: 'reports',
      scheduledAt: new Date('2024-03-31T12:00:00Z'),
      at: new Date('2024-03-31T12:00:00Z'),
    });
    expect(failed.error).toBeInstanceOf(TypeError);
    // Paused tasks let their due times pass, each reported as skipped.
    expect(registry.getTask('ReportTasks.daily')).toMatchObject({
      runs: 0,
      skipped: 360,
      paused: true,
      nextRunAt: null,
    });
    const skipped = events.find(
      (e) => e.type === 'skipped' && e.name === 'ReportTasks.daily',
    )!;
    expect(skipped).toMatchObject({
      reason: 'paused',
      scheduledAt: new Date('2024-03-31T11:00:10Z'),
    });
    await app.close();
  });

  it("should cap how many of a group's tasks run at once, and pause and resume a group", async () => {
    const { app, clock } = await createTestApp({
      imports: [AioClockModule.forRoot(), ReportsFixtureModule],
    });
    const registry = app.get(AioClockRegistry);
    const tasks = app.get(ReportTasks);
    await clock.advance(10_000);
    expect(tasks.running).toBe(2);
    expect(registry.getTasks().filter((t) => t.running).length).toBe(2);
    tasks.gate.open();
    await clock.advance(1);
    expect(tasks.maxRunning).toBe(2);
    expect(registry.getTask('ReportTasks.monthly').runs).toBe(1);

    registry.pauseGroup('reports');
    await clock.advance(20_000);
    expect(registry.getTask('ReportTasks.daily').runs).toBe(1);
    registry.resumeGroup('reports');
    await clock.advance(10_000);
    expect(registry.getTask('ReportTasks.daily').runs).toBe(2);
    await app.close();
  });

  it('should refuse a history limit that is not a whole number >= 0, naming the task and the value', async () => {
    const { app } = await createTestApp({
      imports: [AioClockModule.forRoot({ timeZone: 'UTC' })],
    });
    const registry = app.get(AioClockRegistry);
    registry.addTask({
      name: 'job',
      trigger: Every({ hours: 1 }),
      run: () => 'ok',
    });
    for (let i = 0; i < 3; i++) await registry.runTask('job');
    for (const limit of [1.5, -1, NaN, '2'])
      await expect(
        registry.getHistory('job', { limit: limit as number }),
      ).rejects.toThrow(new AioClockError(invalidHistoryLimit('job', limit)));
    expect(await registry.getHistory('job', { limit: 0 })).toEqual([]);
    expect(await registry.getHistory('job', { limit: 2 })).toHaveLength(2);
    expect(await registry.getHistory('job', { limit: Infinity })).toHaveLength(
      3,
    );
    await app.close();
  });
});
