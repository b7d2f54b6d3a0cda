import { Injectable, type INestApplication, Module } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { dashboardLocalHistory } from '../../../lib/aioclock.messages';
import {
  AioClockModule,
  AioClockRegistry,
  Every,
  RedisCoordinator,
} from '../../../lib';
import { AioClockHttpModule } from '../../../lib/http';
import { createHttpApp } from '../../src/http/create-http-app';
import {
  RedisServerProcess,
  redisServerMissing,
} from '../../src/replicas/redis-server';
import { describeIfAvailable } from '../../src/replicas/redis-test-env';

@Injectable()
class OutageTasks {
  @Every({ hours: 1 }, { name: 'o.hourly' })
  hourly(): string {
    return 'ran';
  }
}

@Module({ providers: [OutageTasks] })
class OutageTasksModule {}

// The dashboard's overview reads the cluster's history from the coordinator:
// while Redis is down it must still answer, with this replica's own runs,
// and say so (it answered 500 before).
describeIfAvailable(
  'The dashboard while Redis is down',
  redisServerMissing(),
  'the redis-server binary',
  'install the redis-server package (or set REDIS_SERVER_BIN)',
  () => {
    let server: RedisServerProcess;
    let client: Redis;
    let app: INestApplication;

    beforeAll(async () => {
      server = await RedisServerProcess.start();
      // As the README recommends: give up queued commands quickly.
      client = new Redis(server.url, {
        maxRetriesPerRequest: 1,
        retryStrategy: () => 200,
      });
      client.on('error', () => undefined);
      ({ app } = await createHttpApp({
        imports: [
          AioClockModule.forRoot({
            timeZone: 'UTC',
            shutdownTimeout: 0,
            coordinator: new RedisCoordinator({
              client,
              keyPrefix: 'aioclock-dashboard-outage',
              replicaId: 'replica-a',
              claimTimeoutMs: 300,
              leaseTtlMs: 3_000,
            }),
          }),
          OutageTasksModule,
          AioClockHttpModule.register({
            guards: [{ canActivate: () => true }],
          }),
        ],
      }));
    });

    afterAll(async () => {
      await app?.close();
      client?.disconnect();
      await server?.dispose();
    });

    it('should answer the overview with this replica runs and a notice, never 500', async () => {
      await app.get(AioClockRegistry).runTask('o.hourly');
      const up = await request(app.getHttpServer()).get('/aioclock/overview');
      expect(up.status).toBe(200);
      expect(up.body.historyNotice).toBeUndefined();

      await server.halt();
      const down = await request(app.getHttpServer()).get('/aioclock/overview');
      expect(down.status).toBe(200);
      expect(down.body.historyNotice).toMatch(
        new RegExp(
          `^${escape(dashboardLocalHistory('<cause>').split('<cause>')[0])}`,
        ),
      );
      const [task] = down.body.tasks;
      expect(task.name).toBe('o.hourly');
      expect(task.runHistory).toEqual([
        expect.objectContaining({
          task: 'o.hourly',
          outcome: 'succeeded',
          replica: 'replica-a',
        }),
      ]);
      // The page itself never needed the store.
      expect((await request(app.getHttpServer()).get('/aioclock')).status).toBe(
        200,
      );
    }, 30_000);
  },
);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
