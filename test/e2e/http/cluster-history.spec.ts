import { randomBytes } from 'node:crypto';
import { Injectable, type INestApplication, Module } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { AioClockModule, Every, RedisCoordinator } from '../../../lib';
import { AioClockHttpModule } from '../../../lib/http';
import { createHttpApp } from '../../src/http/create-http-app';
import {
  REDIS_URL,
  describeWithRedis,
} from '../../src/replicas/redis-test-env';
import { deleteNamespace } from '../../src/replicas/run-ledger';

@Injectable()
class ClusterTasks {
  @Every({ hours: 1 }, { name: 'c.hourly' })
  hourly(): void {}
}

@Module({ providers: [ClusterTasks] })
class ClusterTasksModule {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The dashboard reads registry.getHistory: with a Redis coordinator, a run
// another replica recorded shows on this replica's history list and chart.
describeWithRedis('HTTP history with a Redis coordinator', () => {
  const prefix = `aioclock-http-history-${randomBytes(4).toString('hex')}`;
  const clients: Redis[] = [];
  let app: INestApplication;
  let other: RedisCoordinator;

  const coordinator = (replicaId: string) => {
    const client = new Redis(REDIS_URL);
    clients.push(client);
    return new RedisCoordinator({ client, keyPrefix: prefix, replicaId });
  };

  beforeAll(async () => {
    ({ app } = await createHttpApp({
      imports: [
        AioClockModule.forRoot({
          timeZone: 'UTC',
          shutdownTimeout: 0,
          coordinator: coordinator('replica-a'),
        }),
        ClusterTasksModule,
        AioClockHttpModule.register({ guards: [{ canActivate: () => true }] }),
      ],
    }));
    // A run of the same task on another replica, its second try.
    other = coordinator('replica-b');
    const due = Date.parse('2024-03-29T09:00:00Z');
    other.recordRun(
      'c.hourly',
      due,
      due + 5,
      due + 125,
      'failed',
      'down',
      2,
      false,
    );
    for (let i = 0; i < 200; i++) {
      if ((await other.history('c.hourly', 1)).length > 0) break;
      await sleep(10);
    }
  });

  afterAll(async () => {
    await app.close();
    const admin = new Redis(REDIS_URL);
    await deleteNamespace(admin, prefix);
    admin.disconnect();
    for (const client of clients) client.disconnect();
  });

  const expected = {
    task: 'c.hourly',
    scheduledAt: '2024-03-29T09:00:00.000Z',
    startedAt: '2024-03-29T09:00:00.005Z',
    finishedAt: '2024-03-29T09:00:00.125Z',
    outcome: 'failed',
    error: 'down',
    replica: 'replica-b',
    attempt: 2,
    catchUp: false,
  };

  it("should list another replica's runs in GET tasks/:name/history", async () => {
    const res = await request(app.getHttpServer())
      .get('/aioclock/tasks/c.hourly/history')
      .expect(200);
    expect(res.body).toEqual([expected]);
  });

  it("should give the chart the registry's history in the overview", async () => {
    const res = await request(app.getHttpServer())
      .get('/aioclock/overview')
      .expect(200);
    const task = res.body.tasks.find(
      (t: { name: string }) => t.name === 'c.hourly',
    );
    expect(task.runHistory).toEqual([expected]);
  });
});
