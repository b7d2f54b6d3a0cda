import { Injectable, Module } from '@nestjs/common';
import {
  AioClockError,
  AioClockModule,
  AioClockRegistry,
  Cron,
  Every,
  InvalidTriggerError,
  TaskNotFoundError,
  type TaskContext,
} from '../../../lib';
import { createTestApp } from '../../src/create-app';

@Injectable()
class DecoratedTasks {
  readonly runs: string[] = [];
  @Every({ minutes: 1 }, { name: 'decorated.minute' })
  minute(ctx: TaskContext): void {
    this.runs.push(ctx.scheduledAt.toISOString());
  }
}

@Module({ providers: [DecoratedTasks] })
class DecoratedModule {}

async function app() {
  const test = await createTestApp(
    { imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), DecoratedModule] },
    '2024-03-31T11:00:00Z',
  );
  return { ...test, registry: test.app.get(AioClockRegistry) };
}

/** A promise and its resolve, for runs that wait. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('registry.addTask / removeTask / reschedule', () => {
  it('should add a task that runs on its trigger, is listed and belongs to its group', async () => {
    const { app: nest, clock, registry } = await app();
    const seen: string[] = [];
    const info = registry.addTask({
      name: 'added.every',
      trigger: Every({ seconds: 30 }),
      run: (ctx) => {
        seen.push(`${ctx.name}@${ctx.scheduledAt.toISOString()}`);
      },
    });
    expect(info).toMatchObject({
      name: 'added.every',
      group: 'default',
      trigger: { type: 'every', seconds: 30 },
      nextRunAt: new Date('2024-03-31T11:00:30Z'),
      runs: 0,
    });
    registry.addTask({
      name: 'added.cron',
      group: 'reports',
      trigger: { type: 'cron', cron: '*/2 * * * *' },
      run: () => {
        seen.push('cron');
      },
    });
    expect(registry.getTasks().map((t) => [t.name, t.group])).toEqual([
      ['decorated.minute', 'DecoratedModule'],
      ['added.every', 'default'],
      ['added.cron', 'reports'],
    ]);
    await clock.advance(120_000);
    expect(seen).toEqual([
      'added.every@2024-03-31T11:00:30.000Z',
      'added.every@2024-03-31T11:01:00.000Z',
      'added.every@2024-03-31T11:01:30.000Z',
      'cron',
      'added.every@2024-03-31T11:02:00.000Z',
    ]);
    await expect(registry.runTask('added.cron')).resolves.toBeUndefined();
    expect(registry.getTask('added.cron').runs).toBe(2);
    await nest.close();
  });

  it('should apply task options (timeout, overlap, maxLoopCount, enabled) to an added task', async () => {
    const { app: nest, clock, registry } = await app();
    const runs: number[] = [];
    registry.addTask({
      name: 'added.limited',
      trigger: Every({ seconds: 10, maxLoopCount: 2 }),
      run: () => {
        runs.push(clock.now().getTime());
      },
    });
    registry.addTask({
      name: 'added.off',
      trigger: Every({ seconds: 10 }),
      enabled: false,
      run: () => {
        runs.push(-1);
      },
    });
    const failures: string[] = [];
    registry.events$.subscribe((event) => {
      if (event.type === 'failed')
        failures.push(`${event.name}: ${String(event.error)}`);
    });
    registry.addTask({
      name: 'added.slow',
      trigger: Every({ seconds: 10 }),
      timeout: 5_000,
      run: (ctx) =>
        new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)),
    });
    await clock.advance(60_000);
    expect(runs).toHaveLength(2);
    expect(registry.getTask('added.limited').finished).toBe(true);
    expect(registry.getTask('added.off')).toMatchObject({
      enabled: false,
      runs: 0,
    });
    // Runs at :10 … :50 timed out; the one from 11:01:00 is still going.
    expect(registry.getTask('added.slow')).toMatchObject({
      runs: 6,
      failures: 5,
      running: true,
    });
    expect(failures[0]).toContain('added.slow');
    await nest.close();
  });

  it('should refuse a bad trigger, a bad option, a duplicate or reserved name with typed errors', async () => {
    const { app: nest, registry } = await app();
    const run = () => undefined;
    expect(() =>
      registry.addTask({
        name: 'bad.hour',
        trigger: { type: 'at', hour: 24 },
        run,
      }),
    ).toThrow(
      new InvalidTriggerError(
        'bad.hour: invalid hour: 24 (expected an integer 0–23)',
      ),
    );
    expect(() =>
      registry.addTask({ name: 'bad.cron', trigger: Cron('not a cron'), run }),
    ).toThrow(InvalidTriggerError);
    expect(() =>
      registry.addTask({ name: 'bad.cron', trigger: Cron('not a cron'), run }),
    ).toThrow(/^bad\.cron: invalid cron: "not a cron"/);
    expect(() =>
      registry.addTask({
        name: 'bad.timeout',
        trigger: Every({ seconds: 1 }),
        timeout: -1,
        run,
      }),
    ).toThrow(InvalidTriggerError);
    expect(() =>
      registry.addTask({
        name: 'bad.key',
        trigger: Every({ seconds: 1 }),
        run,
        colour: 'red',
      } as never),
    ).toThrow(/bad\.key: unknown option "colour"/);
    expect(() =>
      registry.addTask({
        name: 'bad.run',
        trigger: Every({ seconds: 1 }),
        run: 5,
      } as never),
    ).toThrow(/bad\.run: invalid run: 5/);
    expect(() =>
      registry.addTask({
        name: 'decorated.minute',
        trigger: Every({ seconds: 1 }),
        run,
      }),
    ).toThrow(AioClockError);
    expect(() =>
      registry.addTask({
        name: 'decorated.minute',
        trigger: Every({ seconds: 1 }),
        run,
      }),
    ).toThrow('Duplicate task name "decorated.minute"');
    expect(() =>
      registry.addTask({
        name: 'schedule:x',
        trigger: Every({ seconds: 1 }),
        run,
      }),
    ).toThrow(/reserved for durable schedules/);
    expect(registry.getTasks()).toHaveLength(1);
    await nest.close();
  });

  it('should remove a task: no run after the call, resolving once the run in flight ends', async () => {
    const { app: nest, clock, registry } = await app();
    const started: string[] = [];
    const running = gate();
    let ended = false;
    registry.addTask({
      name: 'added.slow',
      trigger: Every({ seconds: 10 }),
      overlap: 'bufferOne',
      run: async (ctx) => {
        started.push(ctx.scheduledAt.toISOString());
        await running.promise;
        ended = true;
      },
    });
    await clock.advance(25_000); // one run in flight since :10, one buffered for :20
    expect(started).toEqual(['2024-03-31T11:00:10.000Z']);
    let removed = false;
    const removal = registry
      .removeTask('added.slow')
      .then(() => (removed = true));
    expect(() => registry.getTask('added.slow')).toThrow(TaskNotFoundError);
    await clock.advance(1_000);
    expect(removed).toBe(false);
    running.open();
    await removal;
    expect(ended).toBe(true);
    await clock.advance(60_000);
    expect(started).toEqual(['2024-03-31T11:00:10.000Z']);
    await expect(registry.removeTask('added.slow')).rejects.toThrow(
      TaskNotFoundError,
    );
    // The name is free again.
    registry.addTask({
      name: 'added.slow',
      trigger: Every({ seconds: 10 }),
      run: () => undefined,
    });
    await nest.close();
  });

  it('should remove a decorated task at once when none of its runs is in flight', async () => {
    const { app: nest, clock, registry } = await app();
    const tasks = nest.get(DecoratedTasks);
    await clock.advance(60_000);
    expect(tasks.runs).toHaveLength(1);
    await registry.removeTask('decorated.minute');
    await clock.advance(600_000);
    expect(tasks.runs).toHaveLength(1);
    expect(registry.getTasks()).toEqual([]);
    await nest.close();
  });

  it('should reject a runTask still waiting behind the run in flight of a removed task', async () => {
    const { app: nest, registry } = await app();
    const running = gate();
    let runs = 0;
    registry.addTask({
      name: 'added.buffered',
      trigger: Every({ hours: 1 }),
      overlap: 'bufferAll',
      run: async () => {
        runs++;
        await running.promise;
      },
    });
    const first = registry.runTask('added.buffered');
    const second = registry.runTask('added.buffered');
    const removal = registry.removeTask('added.buffered');
    await expect(second).rejects.toThrow(
      'Task added.buffered was removed before this run could start',
    );
    running.open();
    await first;
    await removal;
    expect(runs).toBe(1);
    await nest.close();
  });

  it('should reschedule a task from now, any task, keeping its counters', async () => {
    const { app: nest, clock, registry } = await app();
    const tasks = nest.get(DecoratedTasks);
    await clock.advance(90_000); // 11:01:30, one run at 11:01
    expect(tasks.runs).toEqual(['2024-03-31T11:01:00.000Z']);
    const info = registry.reschedule(
      'decorated.minute',
      Every({ minutes: 10 }),
    );
    expect(info).toMatchObject({
      trigger: { type: 'every', minutes: 10 },
      nextRunAt: new Date('2024-03-31T11:11:30Z'),
      runs: 1,
    });
    await clock.advance(20 * 60_000);
    expect(tasks.runs).toEqual([
      '2024-03-31T11:01:00.000Z',
      '2024-03-31T11:11:30.000Z',
      '2024-03-31T11:21:30.000Z',
    ]);
    registry.reschedule('decorated.minute', {
      type: 'at',
      hour: 12,
      minute: 0,
      maxLoopCount: 1,
    });
    expect(registry.getTask('decorated.minute').nextRunAt).toEqual(
      new Date('2024-03-31T12:00:00Z'),
    );
    await clock.advance(2 * 86_400_000);
    expect(tasks.runs).toHaveLength(4);
    expect(registry.getTask('decorated.minute').finished).toBe(true);
    // A finished task can be given a new trigger too.
    registry.reschedule('decorated.minute', Every({ hours: 1 }));
    await clock.advance(3_600_000);
    expect(tasks.runs).toHaveLength(5);
    await nest.close();
  });

  it('should refuse a bad reschedule with typed errors naming the task', async () => {
    const { app: nest, registry } = await app();
    expect(() => registry.reschedule('nope', Every({ seconds: 1 }))).toThrow(
      TaskNotFoundError,
    );
    expect(() =>
      registry.reschedule('decorated.minute', { type: 'every', seconds: 0 }),
    ).toThrow(/^decorated\.minute: /);
    expect(() =>
      registry.reschedule('decorated.minute', { type: 'once' }),
    ).toThrow(
      new InvalidTriggerError(
        'decorated.minute: invalid trigger: {"type":"once"} (expected an every, at, cron or or trigger)',
      ),
    );
    registry.addTask({
      name: 'forever',
      trigger: { type: 'forever', maxLoopCount: 1 },
      run: () => undefined,
      enabled: false,
    });
    expect(() => registry.reschedule('forever', Every({ seconds: 1 }))).toThrow(
      'forever: cannot reschedule a task whose trigger is forever (only every, at, cron and or tasks can be rescheduled)',
    );
    // Task options on the new trigger would not apply: refused, not dropped.
    expect(() =>
      registry.reschedule(
        'decorated.minute',
        Every({ seconds: 5 }, { enabled: false }),
      ),
    ).toThrow(
      new InvalidTriggerError(
        'decorated.minute: reschedule changes the trigger only: its task options (enabled) would not apply; give the trigger alone (remove the task and add it again to change its options)',
      ),
    );
    // The task keeps its trigger after a refused reschedule.
    expect(registry.getTask('decorated.minute').trigger).toEqual({
      type: 'every',
      minutes: 1,
    });
    await nest.close();
  });
});
