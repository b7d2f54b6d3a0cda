import { hostname } from 'node:os';
import { HISTORY_KEEP } from '../../../lib/scheduler/run-history';
import { deferred, setup, task, T0 } from './scheduler.fixtures';

const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

describe('Scheduler history (no durable coordinator)', () => {
  it('should keep each run with its outcome, newest first, and the skipped due times', async () => {
    const { clock, scheduler } = setup();
    let call = 0;
    const blocked = deferred();
    scheduler.addTask(
      task(
        'Jobs.mixed',
        { type: 'every', seconds: 1 },
        () => {
          call++;
          if (call === 2) throw new Error('boom');
          if (call === 3) return blocked.promise; // runs into its timeout
          return undefined;
        },
        { timeout: 1_500 },
      ),
    );
    await scheduler.start();
    await clock.advance(5_000);
    const history = await scheduler.getHistory('Jobs.mixed', Infinity);
    expect(
      history.map((record) => [
        record.outcome,
        record.scheduledAt.toISOString(),
        record.error,
      ]),
    ).toEqual([
      ['succeeded', iso(5_000), undefined],
      ['timedOut', iso(3_000), expect.stringContaining('Jobs.mixed')],
      ['skipped', iso(4_000), 'the previous run is still running'],
      ['failed', iso(2_000), 'boom'],
      ['succeeded', iso(1_000), undefined],
    ]);
    const [latest] = history;
    expect(latest).toEqual({
      task: 'Jobs.mixed',
      scheduledAt: new Date(T0 + 5_000),
      startedAt: new Date(T0 + 5_000),
      finishedAt: new Date(T0 + 5_000),
      outcome: 'succeeded',
      replica: `${hostname()}:${process.pid}`,
      attempt: 1,
      catchUp: false,
    });
    expect(history[2].startedAt).toBeNull();
    expect(await scheduler.getHistory('Jobs.mixed', 2)).toEqual(
      history.slice(0, 2),
    );
    blocked.resolve();
    await scheduler.stop(0);
  });

  it("should record each try's attempt and a backfilled run's catchUp", async () => {
    const { clock, scheduler } = setup();
    let call = 0;
    scheduler.addTask(
      task(
        'Jobs.flaky',
        { type: 'every', seconds: 10 },
        () => {
          call++;
          if (call === 1) throw new Error('boom');
        },
        { retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 1_000 } } },
      ),
    );
    await scheduler.start();
    await clock.advance(11_000);
    await scheduler.backfill('Jobs.flaky', new Date(T0), new Date(T0));
    const history = await scheduler.getHistory('Jobs.flaky', Infinity);
    expect(
      history.map((record) => [
        record.outcome,
        record.scheduledAt.toISOString(),
        record.attempt,
        record.catchUp,
      ]),
    ).toEqual([
      ['succeeded', iso(0), 1, true],
      ['succeeded', iso(10_000), 2, false],
      ['failed', iso(10_000), 1, false],
    ]);
    await scheduler.stop(0);
  });

  it(`should keep the last ${HISTORY_KEEP} records per task`, async () => {
    const { clock, scheduler } = setup();
    scheduler.addTask(task('Jobs.often', { type: 'every', seconds: 1 }));
    await scheduler.start();
    await clock.advance((HISTORY_KEEP + 20) * 1_000);
    const history = await scheduler.getHistory('Jobs.often', Infinity);
    expect(history).toHaveLength(HISTORY_KEEP);
    expect(history[0].scheduledAt).toEqual(
      new Date(T0 + (HISTORY_KEEP + 20) * 1_000),
    );
    expect(history[HISTORY_KEEP - 1].scheduledAt).toEqual(
      new Date(T0 + 21 * 1_000),
    );
    await scheduler.stop(0);
  });

  it('should record which try each retried run was', async () => {
    const { clock, scheduler } = setup();
    scheduler.addTask(
      task(
        'Jobs.retried',
        { type: 'every', seconds: 10 },
        (ctx) => {
          if (ctx.attempt < 3) throw new Error(`try ${ctx.attempt}`);
        },
        { retry: { attempts: 3, backoff: { type: 'fixed', delayMs: 1_000 } } },
      ),
    );
    await scheduler.start();
    await clock.advance(13_000);
    const history = await scheduler.getHistory('Jobs.retried', Infinity);
    expect(
      history.map((record) => [record.outcome, record.attempt, record.error]),
    ).toEqual([
      ['succeeded', 3, undefined],
      ['failed', 2, 'try 2'],
      ['failed', 1, 'try 1'],
    ]);
    await scheduler.stop(0);
  });

  it('should reject for an unknown task', () => {
    const { scheduler } = setup();
    expect(() => scheduler.getHistory('nope', 1)).toThrow('nope');
  });
});
