import {
  retryingRun,
  retryPastNextDue,
  taskFailed,
} from '../../../lib/aioclock.messages';
import type { TaskContext } from '../../../lib/interfaces/task-context.interface';
import type {
  OverlapPolicy,
  RetryOptions,
} from '../../../lib/interfaces/task-options.interface';
import {
  abortableSleep,
  setup,
  sleep,
  task,
  T0,
} from '../scheduler/scheduler.fixtures';

// retry: a failed or timed-out run is tried again for the same due time after
// its backoff, keeping the task's overlap slot, and never at or after the
// task's next due time. All under VirtualClock; offsets are ms after T0.

/** `due@start#attempt` of every start, offsets from T0. */
type Start = string;
const mark = (ctx: TaskContext): Start =>
  `${ctx.scheduledAt.getTime() - T0}@${ctx.startedAt.getTime() - T0}#${ctx.attempt}`;

interface BackoffRow {
  title: string;
  retry: RetryOptions;
  /** Tries that fail for due time 10 000 (the others succeed). */
  failing: number;
  timeout?: number;
  starts: Start[];
  failures: number;
}

const rows: BackoffRow[] = [
  {
    title: 'fixed: the same delay each time, until a try succeeds',
    retry: { attempts: 4, backoff: { type: 'fixed', delayMs: 1_000 } },
    failing: 2,
    starts: [
      '10000@10000#1',
      '10000@11000#2',
      '10000@12000#3',
      '20000@20000#1',
    ],
    failures: 2,
  },
  {
    title: 'exponential: doubling from delayMs',
    retry: { attempts: 4, backoff: { type: 'exponential', delayMs: 1_000 } },
    failing: 4,
    starts: [
      '10000@10000#1',
      '10000@11000#2',
      '10000@13000#3',
      '10000@17000#4',
      '20000@20000#1',
    ],
    failures: 4,
  },
  {
    title: 'exponential capped at maxDelayMs',
    retry: {
      attempts: 4,
      backoff: { type: 'exponential', delayMs: 1_000, maxDelayMs: 1_500 },
    },
    failing: 4,
    starts: [
      '10000@10000#1',
      '10000@11000#2',
      '10000@12500#3',
      '10000@14000#4',
      '20000@20000#1',
    ],
    failures: 4,
  },
  {
    title: 'no backoff: at once',
    retry: { attempts: 2 },
    failing: 1,
    starts: ['10000@10000#1', '10000@10000#2', '20000@20000#1'],
    failures: 1,
  },
  {
    title: 'a retry that would reach the next due time is not made',
    retry: { attempts: 5, backoff: { type: 'fixed', delayMs: 4_000 } },
    failing: 5,
    // 10 000 + 4 000 + 4 000 = 18 000; one more would start at 22 000 > 20 000.
    starts: [
      '10000@10000#1',
      '10000@14000#2',
      '10000@18000#3',
      '20000@20000#1',
    ],
    failures: 3,
  },
  {
    title: 'a retry exactly at the next due time is not made either',
    retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 10_000 } },
    failing: 3,
    starts: ['10000@10000#1', '20000@20000#1'],
    failures: 1,
  },
  {
    title: 'a timed-out try is retried like a failed one',
    retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 1_000 } },
    failing: 2,
    timeout: 500,
    // Each failing try hangs until its timeout (500 ms), then waits 1 000 ms.
    starts: [
      '10000@10000#1',
      '10000@11500#2',
      '10000@13000#3',
      '20000@20000#1',
    ],
    failures: 2,
  },
];

describe('Retry', () => {
  it.each(rows)(
    'should retry the same due time: $title',
    async ({ retry, failing, timeout, starts, failures }) => {
      const { clock, scheduler, events } = setup();
      const seen: Start[] = [];
      scheduler.addTask(
        task(
          'r',
          { type: 'every', seconds: 10, maxLoopCount: 2 },
          async (ctx) => {
            seen.push(mark(ctx));
            if (ctx.scheduledAt.getTime() !== T0 + 10_000) return;
            if (ctx.attempt > failing) return;
            if (timeout !== undefined)
              await abortableSleep(clock, 60_000, ctx.signal);
            throw new Error(`try ${ctx.attempt}`);
          },
          { retry, timeout },
        ),
      );
      await scheduler.start();
      await clock.advance(30_000);

      expect(seen).toEqual(starts);
      const info = scheduler.getTask('r');
      expect(info).toMatchObject({ failures, finished: true, running: false });
      // Events show each try, with its number.
      expect(
        events
          .filter((e) => e.type === 'started' || e.type === 'failed')
          .map((e) => `${e.type}#${e.attempt}`),
      ).toEqual(
        starts.flatMap((start, i) => {
          const started = `started#${start.split('#')[1]}`;
          return i < failures
            ? [started, `failed#${start.split('#')[1]}`]
            : [started];
        }),
      );
      await scheduler.stop(0);
    },
  );

  it('should log the retry it does not make, and the final failure once', async () => {
    const { clock, scheduler, logger } = setup();
    scheduler.addTask(
      task(
        'r',
        { type: 'every', seconds: 10 },
        () => {
          throw new Error('down');
        },
        { retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 6_000 } } },
      ),
    );
    await scheduler.start();
    await clock.advance(19_000);

    expect(logger.messages('warn')).toEqual([
      retryingRun('r', 1, 3, 6_000, new Error('down')),
      retryPastNextDue('r', 2, 3, T0 + 22_000, T0 + 20_000),
    ]);
    expect(logger.messages('error')).toEqual([
      taskFailed('r', new Error('down')),
    ]);
    await scheduler.stop(0);
  });

  it('should settle runTask with the last try', async () => {
    const { clock, scheduler } = setup();
    let calls = 0;
    scheduler.addTask(
      task(
        'manual',
        { type: 'every', hours: 1 },
        (ctx) => {
          calls++;
          if (ctx.attempt < 3) throw new Error(`try ${ctx.attempt}`);
          return `ok on ${ctx.attempt}`;
        },
        { retry: { attempts: 3 } },
      ),
    );
    await scheduler.start();

    const run = scheduler.runTask('manual');
    await clock.advance(0); // the retries' zero-delay timers
    await expect(run).resolves.toBe('ok on 3');
    expect(calls).toBe(3);
    await scheduler.stop(0);
  });

  it('should reject runTask with the last error when every try fails', async () => {
    const { clock, scheduler } = setup();
    scheduler.addTask(
      task(
        'manual',
        { type: 'every', hours: 1 },
        (ctx) => {
          throw new Error(`try ${ctx.attempt}`);
        },
        { retry: { attempts: 2 } },
      ),
    );
    await scheduler.start();

    const run = expect(scheduler.runTask('manual')).rejects.toThrow('try 2');
    await clock.advance(0);
    await run;
    await scheduler.stop(0);
  });

  it('should spread backoff by its jitter the same way for the same task and due time', async () => {
    const delays = async (name: string) => {
      const { clock, scheduler } = setup();
      const seen: number[] = [];
      scheduler.addTask(
        task(
          name,
          { type: 'every', minutes: 1, maxLoopCount: 1 },
          (ctx) => {
            seen.push(ctx.startedAt.getTime() - T0);
            throw new Error('x');
          },
          {
            retry: {
              attempts: 4,
              backoff: { type: 'fixed', delayMs: 10_000, jitter: 0.5 },
            },
          },
        ),
      );
      await scheduler.start();
      await clock.advance(120_000);
      await scheduler.stop(0);
      return seen.slice(1).map((at, i) => at - seen[i]);
    };
    const a = await delays('a');

    expect(a).toHaveLength(3);
    for (const delay of a) {
      expect(delay).toBeGreaterThan(5_000);
      expect(delay).toBeLessThanOrEqual(10_000);
    }
    expect(await delays('a')).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  // retry × overlap: due 1 000's first try runs `firstTryMs` and fails; its
  // retry waits 100 ms and runs 600 ms.
  // - 500: the retry starts at 1 600, and due 2 000 comes while it runs.
  // - 1 500: due 2 000 comes while the first try runs. A retry at 2 600 would
  //   start after the task's next due time (API.md: never after it): there is
  //   none, and a buffered due time starts when the try fails.
  it.each<[OverlapPolicy, number, Start[], number[]]>([
    ['skip', 500, ['1000@1000#1', '1000@1600#2', '3000@3000#1'], [2_000]],
    // The buffered due time waits for the retry: the retry kept the slot.
    [
      'bufferOne',
      500,
      ['1000@1000#1', '1000@1600#2', '2000@2200#1', '3000@3000#1'],
      [],
    ],
    [
      'bufferAll',
      500,
      ['1000@1000#1', '1000@1600#2', '2000@2200#1', '3000@3000#1'],
      [],
    ],
    ['skip', 1_500, ['1000@1000#1', '3000@3000#1'], [2_000]],
    ['bufferOne', 1_500, ['1000@1000#1', '2000@2500#1', '3000@3000#1'], []],
    ['bufferAll', 1_500, ['1000@1000#1', '2000@2500#1', '3000@3000#1'], []],
    // A run cancelled by a newer one is not retried.
    ['cancelOther', 1_500, ['1000@1000#1', '2000@2000#1', '3000@3000#1'], []],
  ])(
    "should keep the overlap slot through the backoff, and never retry after the next due time ('%s', first try %d ms)",
    async (overlap, firstTryMs, starts, skipped) => {
      const { clock, scheduler, offsets } = setup();
      const seen: Start[] = [];
      scheduler.addTask(
        task(
          'o',
          { type: 'every', seconds: 1 },
          async (ctx) => {
            seen.push(mark(ctx));
            if (ctx.scheduledAt.getTime() !== T0 + 1_000) return;
            if (ctx.attempt === 1) {
              await abortableSleep(clock, firstTryMs, ctx.signal);
              throw new Error('first try fails');
            }
            await sleep(clock, 600);
          },
          {
            overlap,
            retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 100 } },
          },
        ),
      );
      await scheduler.start();
      await clock.advance(3_500);

      expect(seen).toEqual(starts);
      expect(offsets('skipped', 'o')).toEqual(skipped);
      await scheduler.stop(0);
    },
  );

  it("should let a newer run replace a waiting retry ('cancelOther')", async () => {
    const { clock, scheduler, offsets } = setup();
    const seen: Start[] = [];
    scheduler.addTask(
      task(
        'c',
        { type: 'every', minutes: 1 },
        (ctx) => {
          seen.push(mark(ctx));
          if (ctx.attempt === 1 && ctx.scheduledAt.getTime() === T0 + 60_000)
            throw new Error('x');
        },
        {
          overlap: 'cancelOther',
          retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 30_000 } },
        },
      ),
    );
    await scheduler.start();
    await clock.advance(61_000);
    const manual = scheduler.runTask('c');
    await clock.advance(60_000);

    await expect(manual).resolves.toBeUndefined();
    expect(seen).toEqual(['60000@60000#1', '61000@61000#1', '120000@120000#1']);
    expect(offsets('skipped', 'c')).toEqual([60_000]);
    await scheduler.stop(0);
  });

  it('should drop a waiting retry at shutdown and leave no timer', async () => {
    const { clock, scheduler } = setup();
    scheduler.addTask(
      task(
        's',
        { type: 'every', minutes: 1 },
        () => {
          throw new Error('x');
        },
        { retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 10_000 } } },
      ),
    );
    await scheduler.start();
    await clock.advance(61_000);
    expect(scheduler.getTask('s').running).toBe(true);

    await scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(scheduler.getTask('s')).toMatchObject({ running: false, runs: 1 });
  });
});
