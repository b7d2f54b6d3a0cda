import { randomBytes } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import {
  AioClockModule,
  AioClockRegistry,
  Every,
  RedisCoordinator,
} from '../../../lib';
import { CaptureLogger } from '../../src/capture-logger';
import {
  describeWithRedis,
  REDIS_URL,
} from '../../src/replicas/redis-test-env';

// registry.backfill on a replica that does not own the task: its claims once
// answered 'notOwner' (a truthy string), taken for a win: every due time ran
// again without a fence, including those the owner had already run.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis(
  'RedisCoordinator: backfill on a replica that does not own the task',
  () => {
    const apps: TestingModule[] = [];
    const clients: Redis[] = [];
    const prefix = `aioclock-backfill:${randomBytes(4).toString('hex')}`;
    afterAll(async () => {
      for (const app of apps) await app.close();
      const admin = new Redis(REDIS_URL);
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
      for (const c of clients) c.disconnect();
    });

    it('should not run again a due time the owner already ran', async () => {
      const runs: { replica: string; due: number; catchUp: boolean }[] = [];
      const replica = async (id: string) => {
        const client = new Redis(REDIS_URL);
        clients.push(client);
        const coordinator = new RedisCoordinator({
          client,
          keyPrefix: prefix,
          replicaId: id,
          leaseTtlMs: 3_000,
        });
        const app = await Test.createTestingModule({
          imports: [AioClockModule.forRoot({ timeZone: 'UTC', coordinator })],
        })
          .setLogger(new CaptureLogger())
          .compile();
        await app.init();
        apps.push(app);
        const registry = app.get(AioClockRegistry);
        registry.addTask({
          name: 'Reports.tick',
          trigger: Every({ seconds: 1 }),
          run: (ctx: { scheduledAt: Date; catchUp: boolean }) => {
            runs.push({
              replica: id,
              due: ctx.scheduledAt.getTime(),
              catchUp: ctx.catchUp,
            });
          },
        } as never);
        return { id, coordinator, registry };
      };
      const a = await replica('a');
      const b = await replica('b');
      await sleep(3_500);
      const owner = a.coordinator.ownerOf('Reports.tick');
      const other = owner === 'a' ? b : a;
      expect(owner).not.toBeNull();
      const to = new Date(Date.now() - 500);
      const from = new Date(to.getTime() - 2_000);
      const ran = await other.registry.backfill('Reports.tick', from, to);
      const byDue = new Map<number, string[]>();
      for (const r of runs)
        byDue.set(r.due, [
          ...(byDue.get(r.due) ?? []),
          `${r.replica}${r.catchUp ? '(backfill)' : ''}`,
        ]);
      const doubled = [...byDue]
        .filter(([, who]) => who.length > 1)
        .map(
          ([due, who]) => `${new Date(due).toISOString()}: ${who.join(',')}`,
        );
      expect({ ran, doubled }).toEqual({ ran: 0, doubled: [] });
    }, 30_000);
  },
);
