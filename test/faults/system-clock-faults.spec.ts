import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  AioClockError,
  AioClockModule,
  AioClockRegistry,
  type TaskEvent,
} from '../../lib';
import {
  runAbortedOnShutdown,
  skipReasons,
  taskFailed,
} from '../../lib/aioclock.messages';
import { ABORT_SETTLE_MS } from '../../lib/scheduler/scheduler.constants';
import { CaptureLogger } from '../src/capture-logger';
import {
  BlockingModule,
  BlockingTasks,
  StuckModule,
  StuckTasks,
} from '../src/faults/faulty.tasks';

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls (real time) until `done()` or a generous deadline; the assertions after it say what went wrong. */
async function waitFor(done: () => boolean, deadlineMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!done() && Date.now() - start < deadlineMs) await sleep(10);
}

/** A real app on the real clock (SystemClock, the module's default), with its events recorded from the start. */
async function createSystemApp(
  metadata: ModuleMetadata,
): Promise<{ app: TestingModule; logger: CaptureLogger; events: TaskEvent[] }> {
  const logger = new CaptureLogger();
  const app = await Test.createTestingModule(metadata)
    .setLogger(logger)
    .compile();
  const events: TaskEvent[] = [];
  app.get(AioClockRegistry).events$.subscribe((event) => events.push(event));
  await app.init();
  return { app, logger, events };
}

describe('Fault injection under SystemClock', () => {
  it('should skip and count the due times a 200 ms event-loop block swallows, never fire them as a burst, and stay on the grid', async () => {
    const { app, events } = await createSystemApp({
      imports: [AioClockModule.forRoot(), BlockingModule],
    });
    const tasks = app.get(BlockingTasks);
    await waitFor(
      () => tasks.block !== null && Date.now() > tasks.block.end + 150,
    );
    await app.close();

    const block = tasks.block!;
    expect(block.end - block.start).toBeGreaterThanOrEqual(200);
    const tick = (type: TaskEvent['type']): TaskEvent[] =>
      events.filter((e) => e.name === 'BlockingTasks.tick' && e.type === type);
    const started = tick('started').map((e) => e.scheduledAt.getTime());
    const skipped = tick('skipped');

    // Every due time on the 10 ms grid either ran or was counted as skipped, exactly once.
    const all = [
      ...started,
      ...skipped.map((e) => e.scheduledAt.getTime()),
    ].sort((a, b) => a - b);
    expect(all.length).toBeGreaterThan(20);
    const steps = new Set(all.slice(1).map((t, i) => t - all[i]));
    expect([...steps]).toEqual([10]);

    // The due times inside the block: at most one of them ran (the latest), the rest were skipped as late.
    const inside = (t: number): boolean => t > block.start && t < block.end;
    const insideCount = all.filter(inside).length;
    expect(insideCount).toBeGreaterThanOrEqual(15);
    expect(started.filter(inside).length).toBeLessThanOrEqual(1);
    expect(skipped.every((e) => e.reason === skipReasons.late)).toBe(true);

    // The schedule went on after the block, and the registry counted the same.
    expect(started.filter((t) => t > block.end).length).toBeGreaterThan(0);
    expect(
      app.get(AioClockRegistry).getTask('BlockingTasks.tick'),
    ).toMatchObject({
      runs: started.length,
      skipped: skipped.length,
      failures: 0,
    });
  });

  it('should close within shutdownTimeout plus the abort settle time when a run never settles and ignores its signal', async () => {
    const shutdownTimeout = 200;
    const { app, logger } = await createSystemApp({
      imports: [AioClockModule.forRoot({ shutdownTimeout }), StuckModule],
    });
    const tasks = app.get(StuckTasks);
    await waitFor(() => tasks.started === 1);
    expect(tasks.started).toBe(1);

    const start = Date.now();
    await app.close();
    const elapsed = Date.now() - start;

    // A generous bound: real timers under a loaded CI machine run late, never early.
    expect(elapsed).toBeLessThan(shutdownTimeout + ABORT_SETTLE_MS + 3_000);
    expect(tasks.aborted).toBe(1);
    const name = 'StuckTasks.stuck';
    expect(logger.aioclock('warn').map((e) => e.message)).toContain(
      taskFailed(
        name,
        new AioClockError(runAbortedOnShutdown(name, shutdownTimeout)),
      ),
    );
    expect(app.get(AioClockRegistry).getTask(name)).toMatchObject({
      running: false,
      failures: 1,
    });
  });
});
