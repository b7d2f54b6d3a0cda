import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AioClockModule, AioClockRegistry, Clock } from '../../../lib';
import { createHttpApp } from '../../src/http/create-http-app';
import {
  BillingModule,
  BillingTasks,
  HealthFixtureModule,
  StalledClock,
} from '../../src/http/health.fixtures';

describe('AioClockHealthIndicator', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(clock?: StalledClock) {
    const created = await createHttpApp(
      {
        imports: [
          AioClockModule.forRoot({ timeZone: 'UTC' }),
          BillingModule,
          HealthFixtureModule,
        ],
      },
      '2024-03-29T10:00:00Z',
      (b) => (clock ? b.overrideProvider(Clock).useValue(clock) : b),
    );
    app = created.app;
    return {
      ...created,
      clock: clock ?? created.clock,
      http: request(app.getHttpServer()),
      registry: app.get(AioClockRegistry),
    };
  }

  it('should be up while the scheduler runs and every task is on time', async () => {
    const { http, clock, registry } = await start();
    await clock.advance(60_000);
    const res = await http.get('/health').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: {
        scheduler: {
          status: 'up',
          running: true,
          tasks: registry.getTasks().length,
          overdue: [],
          failing: [],
        },
      },
    });
  });

  it('should be down and name the task when one is overdue by more than the margin', async () => {
    const clock = new StalledClock(new Date('2024-03-29T10:00:00Z'));
    const { http } = await start(clock);
    // billing.tick is due at 10:00:05; its timer never fires.
    await clock.advance(30_000);
    await http.get('/health').expect(200);
    await clock.advance(10_000);
    const res = await http.get('/health').expect(503);
    expect(res.body.status).toBe('error');
    const overdue = res.body.error.scheduler.overdue as Array<{
      name: string;
      overdueMs: number;
      nextRunAt: string;
    }>;
    expect(overdue).toEqual([
      {
        name: 'billing.tick',
        group: 'billing',
        nextRunAt: '2024-03-29T10:00:05.000Z',
        overdueMs: 35_000,
      },
    ]); // billing.sync (11:00) and billing.daily are not due yet
  });

  it('should list a task that failed repeatedly without going down, until it succeeds again', async () => {
    const { http, registry } = await start();
    const tasks = app!.get(BillingTasks);
    for (let i = 0; i < 2; i++)
      await expect(registry.runTask('billing.sync')).rejects.toThrow(
        'upstream 502',
      );
    expect(
      (await http.get('/health').expect(200)).body.info.scheduler.failing,
    ).toEqual([]);

    await expect(registry.runTask('billing.sync')).rejects.toThrow(
      'upstream 502',
    );
    const res = await http.get('/health').expect(200);
    expect(res.body.info.scheduler.failing).toEqual([
      {
        name: 'billing.sync',
        group: 'billing',
        consecutiveFailures: 3,
        lastError: 'upstream 502',
      },
    ]);

    tasks.broken = false;
    await registry.runTask('billing.sync');
    expect(
      (await http.get('/health').expect(200)).body.info.scheduler.failing,
    ).toEqual([]);
  });

  it('should report down once the application is shutting down', async () => {
    const { app: started } = await start();
    const { AioClockHealthIndicator } = await import('../../../lib/health');
    const indicator = started.get(AioClockHealthIndicator);
    expect(indicator.isHealthy()).toMatchObject({
      aioclock: { status: 'up', running: true },
    });
    await started.close();
    app = undefined;
    expect(indicator.isHealthy('aioclock')).toMatchObject({
      aioclock: { status: 'down', running: false },
    });
  });

  it('should report the latest system clock step, and stay up once the schedule has followed it', async () => {
    const { http, clock } = await start();
    await clock.advance(10_000);
    expect(
      (await http.get('/health').expect(200)).body.info.scheduler,
    ).toMatchObject({
      clockJump: null,
    });

    clock.stepWall(-3_600_000);
    await clock.advance(5_000);

    const res = await http.get('/health').expect(200);
    expect(res.body.info.scheduler).toMatchObject({
      status: 'up',
      overdue: [],
      clockJump: {
        at: new Date(
          Date.parse('2024-03-29T10:00:15Z') - 3_600_000,
        ).toISOString(),
        jumpMs: -3_600_000,
      },
    });
  });
});
