import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AioClockModule, AioClockRegistry, Clock } from '../../../lib';
import { AioClockHttpModule } from '../../../lib/http';
import { AioClockRunHistory } from '../../../lib/http/aioclock-http.history';
import { createHttpApp } from '../../src/http/create-http-app';
import {
  HealthFixtureModule,
  StalledClock,
} from '../../src/http/health.fixtures';
import { ReportsModule } from '../../src/schedules/schedules.fixtures';

// Tasks and schedules that come and go at run time: the health check watches
// the schedules too, and the dashboard's history does not keep the gone ones.

let app: INestApplication | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('run-time tasks and schedules, watched', () => {
  it('should report a durable schedule overdue beyond the margin as down', async () => {
    const clock = new StalledClock(new Date('2024-03-29T10:00:00Z'));
    const created = await createHttpApp(
      {
        imports: [
          AioClockModule.forRoot({ timeZone: 'UTC' }),
          ReportsModule,
          HealthFixtureModule,
        ],
      },
      '2024-03-29T10:00:00Z',
      (b) => b.overrideProvider(Clock).useValue(clock),
    );
    app = created.app;
    await app.get(AioClockRegistry).upsertSchedule({
      id: 'c-1',
      handler: 'reports.send',
      trigger: { type: 'every', seconds: 5 },
    });
    // Its timer never fires: due at 10:00:05, checked at 10:05:00.
    await clock.advance(300_000);
    const res = await request(app.getHttpServer()).get('/health');
    expect(res.status).toBe(503);
    const details = Object.values(res.body.details as object)[0] as {
      tasks: number;
      overdue: { name: string }[];
    };
    expect(details.tasks).toBe(1);
    expect(details.overdue.map((task) => task.name)).toEqual(['schedule:c-1']);
  });

  it('should keep the dashboard’s history bounded while tasks and schedules come and go', async () => {
    const created = await createHttpApp({
      imports: [
        AioClockModule.forRoot({ timeZone: 'UTC' }),
        ReportsModule,
        AioClockHttpModule.register(),
      ],
    });
    app = created.app;
    const registry = app.get(AioClockRegistry);
    for (let i = 0; i < 150; i++) {
      const id = `customer-${i}`;
      await registry.upsertSchedule({
        id,
        handler: 'reports.send',
        trigger: { type: 'every', minutes: 1 },
      });
      await registry.runSchedule(id);
      await registry.removeSchedule(id);
      const name = `adhoc-${i}`;
      registry.addTask({
        name,
        trigger: { type: 'every', minutes: 1 },
        run: () => {
          throw new Error('x');
        },
      });
      await registry.runTask(name).catch(() => undefined);
      await registry.removeTask(name);
    }
    const history = app.get(AioClockRunHistory) as unknown as {
      recent: Map<string, unknown>;
      lastErrors: Map<string, unknown>;
    };
    // 300 names ran; what is kept stays below the first pruning size (64).
    expect(history.recent.size).toBeLessThan(64);
    expect(history.lastErrors.size).toBeLessThan(64);
    // A task still registered keeps its history.
    registry.addTask({
      name: 'kept',
      trigger: { type: 'every', minutes: 1 },
      run: () => 1,
    });
    await registry.runTask('kept');
    expect(app.get(AioClockRunHistory).of('kept').recent).toHaveLength(1);
  });
});
