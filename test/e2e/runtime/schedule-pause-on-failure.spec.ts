import { AioClockRegistry } from '../../../lib';
import { pausedOnFailure } from '../../../lib/aioclock.messages';
import { createTestApp } from '../../src/create-app';
import {
  ReportMailer,
  reportsApp,
} from '../../src/schedules/schedules.fixtures';

// A durable schedule's `pauseOnFailure` pauses its task, not the stored
// schedule: ScheduleInfo must still say so, and resumeSchedule resume it.

async function failingApp(failing: () => boolean) {
  const sent: string[] = [];
  const test = await createTestApp(reportsApp(), '2024-03-31T08:00:00Z', (b) =>
    b.overrideProvider(ReportMailer).useValue({
      sent: [],
      send: (run: { scheduledAt: string }) => {
        sent.push(run.scheduledAt);
        if (failing()) throw new Error('smtp down');
      },
    }),
  );
  const registry = test.app.get(AioClockRegistry);
  await registry.upsertSchedule({
    id: 's-1',
    handler: 'reports.send',
    trigger: { type: 'every', minutes: 1 },
    pauseOnFailure: 2,
  });
  return { ...test, registry, sent };
}

describe('a durable schedule paused by its pauseOnFailure', () => {
  it('should show paused and pausedReason in ScheduleInfo, and fire no more', async () => {
    const { app, clock, registry, sent } = await failingApp(() => true);
    await clock.advance(5 * 60_000);
    const info = (await registry.getSchedule('s-1'))!;
    expect(sent).toHaveLength(2);
    expect(info.paused).toBe(true);
    expect(info.pausedReason).toBe(
      pausedOnFailure('schedule:s-1', 2, new Error('smtp down')),
    );
    expect((await registry.listSchedules()).items[0].paused).toBe(true);
    await app.close();
  });

  it('should fire again after resumeSchedule, its failure count reset', async () => {
    let failing = true;
    const { app, clock, registry, sent } = await failingApp(() => failing);
    await clock.advance(2 * 60_000);
    failing = false;
    const resumed = await registry.resumeSchedule('s-1');
    expect(resumed.paused).toBe(false);
    expect(resumed.pausedReason).toBeUndefined();
    await clock.advance(3 * 60_000);
    expect(sent).toEqual([
      '2024-03-31T08:01:00.000Z',
      '2024-03-31T08:02:00.000Z',
      '2024-03-31T08:03:00.000Z',
      '2024-03-31T08:04:00.000Z',
      '2024-03-31T08:05:00.000Z',
    ]);
    await app.close();
  });
});
