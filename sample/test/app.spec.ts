import { Test, type TestingModule } from '@nestjs/testing';
// Published: import { AioClockRegistry, Clock, VirtualClock } from 'nestjs-aioclock';
import { AioClockRegistry, Clock, VirtualClock } from '../../lib';
import { AppModule } from '../src/app.module';
import { StorageService } from '../src/cleanup/storage.service';
import { ReportService } from '../src/reports/report.service';

describe('Sample app', () => {
  let app: TestingModule;
  let clock: VirtualClock;
  const reports = {
    snapshots: 0,
    digests: 0,
    snapshot: async () => ++reports.snapshots,
    publishDigest: async () => `digest #${++reports.digests}`,
  };
  const storage = {
    purged: 0,
    rotated: 0,
    flushed: 0,
    purgeTemp: async () => ++storage.purged,
    rotateLogs: async () => void ++storage.rotated,
    flush: async () => void ++storage.flushed,
  };

  beforeEach(async () => {
    // A Sunday 03:29:00 in Berlin (CEST, UTC+2).
    clock = new VirtualClock(new Date('2024-06-02T01:29:00Z'));
    app = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(Clock)
      .useValue(clock)
      .overrideProvider(ReportService)
      .useValue(reports)
      .overrideProvider(StorageService)
      .useValue(storage)
      .compile();
    app.useLogger(false);
    await app.init();
  });

  it('should run both groups on their schedules against the overridden services', async () => {
    await clock.advance(60_000);

    expect(reports.snapshots).toBe(30); // every 2 s
    expect(reports.digests).toBe(12); // */5 seconds
    expect(storage.purged).toBe(21); // every 3 s, immediately at start
    expect(storage.rotated).toBe(15); // every 4 s (the hourly cron member is not due yet)

    const registry = app.get(AioClockRegistry);
    const groups = new Set(registry.getTasks().map((t) => t.group));
    expect(groups).toEqual(new Set(['reports', 'CleanupModule']));
    expect(registry.getTask('CleanupTasks.compact')).toMatchObject({
      runs: 1,
      lastRunAt: new Date('2024-06-02T01:30:00Z'),
    });
    expect(registry.getTask('CleanupTasks.compact').nextRunAt).toEqual(
      new Date('2024-06-09T01:30:00Z'),
    );

    expect(storage.flushed).toBe(0);
    await app.close();
    expect(storage.flushed).toBe(1);
  });
});
