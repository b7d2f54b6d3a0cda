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
