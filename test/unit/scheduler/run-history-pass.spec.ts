import {
  FULL_RINGS_PER_SLAB,
  GROW_PER_GAP,
  GROW_PER_SHORT_GAP,
  GROW_QUIET_MS,
  RunHistory,
} from '../../../lib/scheduler/run-history';
import { setup, task, T0 } from './scheduler.fixtures';

// A dispatch pass writes its runs' history records once they have all started
// (RunHistory.addLater / flush): whoever reads a task's history, even from a
// run later in the same pass, must find every run that has ended.
describe('Run history within a dispatch pass', () => {
  it('should show an earlier run of the same due time to a later run that reads the history', async () => {
    const { scheduler, clock } = setup();
    const seen: number[] = [];
    scheduler.addTask(task('first', { type: 'every', seconds: 1 }));
    scheduler.addTask(
      task('reader', { type: 'every', seconds: 1 }, () => {
        seen.push(scheduler.getLocalHistory('first', 10).length);
      }),
    );
    await scheduler.start();
    await clock.advance(1_000);
    await clock.advance(1_000);
    expect(seen).toEqual([1, 2]);
    const records = scheduler.getLocalHistory('first', 10);
    expect(records.map((r) => r.scheduledAt.getTime() - T0)).toEqual([
      2_000, 1_000,
    ]);
    expect(records.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded']);
    await scheduler.stop(0);
  });

  it('should keep the order of a deferred record and a later one of the same task in the same pass', async () => {
    const { scheduler, clock } = setup();
    let calls = 0;
    scheduler.addTask(
      task('both', { type: 'every', seconds: 1 }, () => {
        // The second call (runTask from the reader below) fails.
        if (++calls === 2) throw new Error('second');
      }),
    );
    scheduler.addTask(
      task('reader', { type: 'every', seconds: 1 }, () => {
        void scheduler.runTask('both').catch(() => undefined);
      }),
    );
    await scheduler.start();
    await clock.advance(1_000);
    const records = scheduler.getLocalHistory('both', 10);
    expect(records.map((r) => r.outcome)).toEqual(['failed', 'succeeded']);
    await scheduler.stop(0);
  });
});

// Tasks started together fill their small rings together and would all move
// to full rings on the same due time; the full rings' slabs are made ahead,
// one per deferred call, once many small rings are half full.
describe('Run history: full rings made ahead', () => {
  const owners = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `t${i}`, historyRing: -1 }));

  function history(quietFor?: () => number) {
    const deferred: (() => void)[] = [];
    let cancelled = 0;
    const h = new RunHistory(
      'r',
      undefined,
      (callback) => {
        deferred.push(callback);
        return callback;
      },
      (handle) => {
        const i = deferred.indexOf(handle as () => void);
        if (i >= 0) deferred.splice(i, 1);
        cancelled++;
      },
      quietFor,
    );
    const runDeferred = () => {
      while (deferred.length > 0) deferred.shift()!();
    };
    return { h, deferred, runDeferred, cancelled: () => cancelled };
  }

  function pass(h: RunHistory, tasks: ReturnType<typeof owners>, due: number) {
    h.beginPass();
    for (const t of tasks) h.addLater(t, due, due + 1);
    h.endPass();
  }

  it('should make the full rings of 600 tasks ahead, before their 9th record, and keep every record', () => {
    const { h, deferred, runDeferred } = history();
    const tasks = owners(600);
    for (let k = 1; k <= 3; k++) pass(h, tasks, k * 1_000);
    // Under half full: nothing asked.
    expect(deferred).toHaveLength(0);
    pass(h, tasks, 4_000);
    expect(deferred).toHaveLength(1);
    runDeferred();
    expect(h.fullRingsReady).toBeGreaterThanOrEqual(600);
    for (let k = 5; k <= 9; k++) pass(h, tasks, k * 1_000);
    // Every task moved on its 9th record, into rings already made.
    expect(deferred).toHaveLength(0);
    expect(h.fullRingsReady).toBeLessThan(256);
    const records = h.list('t599', 100);
    expect(records.map((r) => r.scheduledAt.getTime())).toEqual(
      [9, 8, 7, 6, 5, 4, 3, 2, 1].map((k) => k * 1_000),
    );
  });

  it('should make none ahead for a few hundred tasks, and stop making them when the scheduler stops', () => {
    const few = history();
    const some = owners(300);
    for (let k = 1; k <= 6; k++) pass(few.h, some, k * 1_000);
    expect(few.deferred).toHaveLength(0);

    const many = history();
    const tasks = owners(1_000);
    for (let k = 1; k <= 4; k++) pass(many.h, tasks, k * 1_000);
    expect(many.deferred).toHaveLength(1);
    many.h.stopGrowing();
    expect(many.deferred).toHaveLength(0);
    expect(many.cancelled()).toBe(1);
  });

  // Each ~64 MB of new ArrayBuffer memory costs a V8 collection: a gap between
  // two passes makes at most GROW_PER_GAP slabs, and none near a due time.
  it('should make at most GROW_PER_GAP slabs between two passes, and only GROW_PER_SHORT_GAP while the next due time is near', () => {
    let quiet = GROW_QUIET_MS - 1;
    const { h, deferred, runDeferred } = history(() => quiet);
    const tasks = owners((GROW_PER_GAP + 10) * FULL_RINGS_PER_SLAB);
    for (let k = 1; k <= 4; k++) pass(h, tasks, k * 1_000);
    expect(deferred).toHaveLength(1);
    runDeferred();
    // The next due time is near: a few made, nothing asked again.
    expect(h.fullRingsReady).toBe(GROW_PER_SHORT_GAP * FULL_RINGS_PER_SLAB);
    expect(deferred).toHaveLength(0);

    quiet = GROW_QUIET_MS;
    pass(h, tasks, 5_000);
    runDeferred();
    expect(h.fullRingsReady).toBe(
      (GROW_PER_SHORT_GAP + GROW_PER_GAP) * FULL_RINGS_PER_SLAB,
    );
    pass(h, tasks, 6_000);
    runDeferred();
    expect(h.fullRingsReady).toBeGreaterThanOrEqual(tasks.length);
    for (let k = 7; k <= 9; k++) pass(h, tasks, k * 1_000);
    expect(h.list('t0', 100)).toHaveLength(9);
  });
});
