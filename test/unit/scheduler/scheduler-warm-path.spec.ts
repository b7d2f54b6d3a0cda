import { hostname } from 'node:os';
import type { TaskContext } from '../../../lib/interfaces/task-context.interface';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import {
  WARM_UP_DELAY_MS,
  WARM_UP_LEAD_MS,
  WARM_UP_MIN_TASKS,
  WARM_UP_ROUNDS,
  WARM_UP_SHORT_LEAD_MS,
  WARM_UP_SHORT_ROUNDS,
  WARM_UP_SHORT_TASKS,
  WARM_UP_TASKS,
} from '../../../lib/scheduler/scheduler.constants';
import type { TaskDefinition } from '../../../lib/scheduler/task-definition';
import { CronTrigger } from '../../../lib/triggers/cron.trigger';
import { setup, task, T0 } from './scheduler.fixtures';

describe('Scheduler.warmUp', () => {
  it('should fire the no-op tasks it is given, rounds times, by hand, and arm nothing', () => {
    const { clock, scheduler } = setup();
    const seen: number[] = [];
    const noop = (ctx: TaskContext): void => {
      seen.push(ctx.scheduledAt.getTime() - T0);
    };
    const defs = [
      task('w1', { type: 'every', seconds: 1 }, noop),
      task('w2', { type: 'cron', cron: '* * * * * *' }, noop),
    ];

    scheduler.warmUp(defs, 3);

    // Fired without the clock moving: the virtual time stood still.
    expect(clock.timestamp()).toBe(T0);
    expect(seen.sort((a, b) => a - b)).toEqual([
      1_000, 1_000, 2_000, 2_000, 3_000, 3_000,
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should leave the scheduler it is called on untouched', async () => {
    const { clock, scheduler, events } = setup();
    let runs = 0;
    scheduler.addTask(
      task('real', { type: 'every', seconds: 1 }, () => runs++),
    );

    scheduler.warmUp([task('real', { type: 'every', seconds: 1 })], 4);

    expect(scheduler.getTasks().map((info) => info.name)).toEqual(['real']);
    expect(events).toEqual([]);
    expect(runs).toBe(0);
    await scheduler.start();
    await clock.advance(2_000);
    expect(scheduler.getTask('real')).toMatchObject({ runs: 2, skipped: 0 });
    expect(runs).toBe(2);
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should stop early when the tasks have no due time left', () => {
    const { scheduler } = setup();
    let runs = 0;
    scheduler.warmUp([task('w', { type: 'once' }, () => runs++)], 10);
    expect(runs).toBe(1);
  });
});

describe('Scheduler warm-up after start', () => {
  /** `n` timed tasks counting their real runs, and a noopTask option counting its copies. */
  function many(n: number, spec: TriggerSpec) {
    const real = { runs: 0, copies: 0, copyRuns: 0 };
    const noopTask = (like: TaskDefinition, name: string): TaskDefinition => {
      real.copies++;
      return { ...like, name, invoke: () => void real.copyRuns++ };
    };
    const { clock, scheduler } = setup({ noopTask });
    for (let i = 0; i < n; i++)
      scheduler.addTask(task(`t${i}`, spec, () => void real.runs++));
    return { clock, scheduler, real };
  }

  it('should fire no-op copies of the first tasks shortly after start, never the tasks themselves', async () => {
    const { clock, scheduler, real } = many(WARM_UP_MIN_TASKS, {
      type: 'every',
      seconds: 1,
    });
    await scheduler.start();
    await clock.advance(WARM_UP_DELAY_MS);

    expect(real.copies).toBe(Math.min(WARM_UP_TASKS, WARM_UP_MIN_TASKS));
    expect(real.copyRuns).toBe(real.copies * WARM_UP_ROUNDS);
    expect(real.runs).toBe(0);

    await clock.advance(1_000 - WARM_UP_DELAY_MS);
    expect(real.runs).toBe(WARM_UP_MIN_TASKS);
    expect(scheduler.getTasks()).toHaveLength(WARM_UP_MIN_TASKS);
    expect(scheduler.getTask('t0')).toMatchObject({ runs: 1, skipped: 0 });
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should not warm up with fewer tasks, or when a due time is too close', async () => {
    const few = many(WARM_UP_MIN_TASKS - 1, { type: 'every', seconds: 1 });
    await few.scheduler.start();
    await few.clock.advance(WARM_UP_DELAY_MS);
    expect(few.real.copies).toBe(0);
    await few.scheduler.stop(0);

    // The first due time comes 1 ms too soon after the warm-up's turn.
    const soon = many(WARM_UP_MIN_TASKS, {
      type: 'every',
      seconds: (WARM_UP_DELAY_MS + WARM_UP_SHORT_LEAD_MS - 1) / 1_000,
    });
    await soon.scheduler.start();
    await soon.clock.advance(WARM_UP_DELAY_MS);
    expect(soon.real.copies).toBe(0);
    await soon.scheduler.stop(0);
    expect(soon.clock.pendingTimers()).toBe(0);
  });

  it('should warm up shorter when the first due time is nearer than a full warm-up needs', async () => {
    for (const leadMs of [WARM_UP_SHORT_LEAD_MS, WARM_UP_LEAD_MS - 1]) {
      const near = many(WARM_UP_MIN_TASKS, {
        type: 'every',
        seconds: (WARM_UP_DELAY_MS + leadMs) / 1_000,
      });
      await near.scheduler.start();
      await near.clock.advance(WARM_UP_DELAY_MS);
      expect(near.real.copies).toBe(WARM_UP_SHORT_TASKS);
      expect(near.real.copyRuns).toBe(
        WARM_UP_SHORT_TASKS * WARM_UP_SHORT_ROUNDS,
      );
      expect(near.real.runs).toBe(0);
      await near.clock.advance(leadMs);
      expect(near.real.runs).toBe(WARM_UP_MIN_TASKS);
      await near.scheduler.stop(0);
    }
  });

  it('should log a failing warm-up and go on as if there had been none', async () => {
    const noopTask = (): TaskDefinition => {
      throw new Error('no copy');
    };
    const { clock, scheduler, logger } = setup({ noopTask });
    let runs = 0;
    for (let i = 0; i < WARM_UP_MIN_TASKS; i++)
      scheduler.addTask(
        task(`t${i}`, { type: 'every', seconds: 1 }, () => void runs++),
      );
    await scheduler.start();
    await clock.advance(1_000);
    expect(logger.messages('error')).toEqual([
      expect.stringContaining('no copy'),
    ]);
    expect(runs).toBe(WARM_UP_MIN_TASKS);
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should leave no timer behind when stopped before the warm-up', async () => {
    const { clock, scheduler, real } = many(WARM_UP_MIN_TASKS, {
      type: 'every',
      seconds: 1,
    });
    await scheduler.start();
    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(5_000);
    expect(real.copies + real.runs).toBe(0);
  });
});

describe('Scheduler prefetch', () => {
  afterEach(() => jest.restoreAllMocks());

  it("should ask a shared trigger for the next due time right after a due time's runs, not when that one comes", async () => {
    const { clock, scheduler } = setup();
    const log: string[] = [];
    const next = CronTrigger.prototype.next;
    jest.spyOn(CronTrigger.prototype, 'next').mockImplementation(function (
      this: CronTrigger,
      previous: number,
    ) {
      log.push(`next(${previous - T0})@${clock.timestamp() - T0}`);
      return next.call(this, previous);
    });
    for (const name of ['a', 'b'])
      scheduler.addTask(
        task(name, { type: 'cron', cron: '* * * * * *' }, () =>
          log.push(`${name}@${clock.timestamp() - T0}`),
        ),
      );

    await scheduler.start();
    log.length = 0;
    await clock.advance(1_000);

    // Both runs first, then the due time after the queued one, once for the shared trigger.
    expect(log).toEqual([
      'next(1000)@1000',
      'a@1000',
      'next(1000)@1000',
      'b@1000',
      'next(2000)@1000',
    ]);
    await scheduler.stop(0);
  });

  it('should never ask ahead a trigger that counts its runs (an or with maxLoopCount members)', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    scheduler.addTask(
      task(
        'limited',
        {
          type: 'or',
          triggers: [{ type: 'every', seconds: 1, maxLoopCount: 2 }],
        },
        () => runs++,
      ),
    );
    await scheduler.start();
    await clock.advance(10_000);
    expect(runs).toBe(2);
    expect(scheduler.getTask('limited')).toMatchObject({
      runs: 2,
      finished: true,
    });
    await scheduler.stop(0);
  });
});

describe('RunContext', () => {
  it('should show its dates to JSON.stringify, though they are made on first read', async () => {
    const { clock, scheduler } = setup();
    let json = '';
    scheduler.addTask(
      task(
        't',
        { type: 'every', seconds: 1 },
        (ctx) => void (json = JSON.stringify(ctx)),
      ),
    );
    await scheduler.start();
    await clock.advance(1_000);
    const at = new Date(T0 + 1_000).toISOString();
    expect(JSON.parse(json)).toEqual({
      name: 't',
      group: 'G',
      scheduledAt: at,
      startedAt: at,
      replica: `${hostname()}:${process.pid}`,
      attempt: 1,
      catchUp: false,
    });
    await scheduler.stop(0);
  });
});
