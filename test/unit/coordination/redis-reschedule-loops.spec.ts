import { RedisCoordinator } from '../../../lib/coordination/redis.coordinator';
import { createTestApp } from '../../src/create-app';
import {
  AioClockModule,
  AioClockRegistry,
  type TaskContext,
} from '../../../lib';
import Redis from 'ioredis';
import {
  describeWithRedis,
  REDIS_URL,
} from '../../src/replicas/redis-test-env';
import { eventually, RedisMembers } from '../../src/replicas/redis-members';

// `reschedule` under the Redis coordinator: in a single process the new
// trigger's maxLoopCount counts from zero (task-reschedule.ts); the cluster's
// count (the state hash's `loops`) used to go on from the old trigger's runs,
// and a fence taken ahead for the old trigger still ran once. Against a real Redis.

describeWithRedis(
  'RedisCoordinator: reschedule restarts the maxLoopCount count',
  () => {
    const cluster = new RedisMembers('aioclock-reschedule');

    it("should count the new trigger's runs from zero across the cluster", async () => {
      const a = cluster.member('a');
      const b = cluster.member('b');
      const name = 'Reschedule.limited';
      await a.join([{ name, maxLoopCount: 2 }]);
      await b.join([{ name, maxLoopCount: 2 }]);
      await eventually(
        () => a.ownerOf(name) !== null && a.ownerOf(name) === b.ownerOf(name),
      );
      const owner = a.ownerOf(name) === 'a' ? a : b;
      expect(await owner.claim(name, 60_000, 60_000)).toBe(true);
      expect(await owner.claim(name, 120_000, 60_000)).toBe(true);
      // The cluster has made its 2 runs.
      expect(await owner.claim(name, 180_000, 60_000)).toBe(false);
      // Rescheduled at 200 000 on the owner (a new trigger, maxLoopCount 2).
      owner.declare([{ name, maxLoopCount: 2, loopsFrom: 200_000 }]);
      expect(await owner.claim(name, 240_000, 60_000)).toBe(true);
      expect(await owner.claim(name, 300_000, 60_000)).toBe(true);
      expect(await owner.claim(name, 360_000, 60_000)).toBe(false);
      // An old trigger's due time held to start later (before 200 000) runs
      // without counting, as a held run does in one process.
      const admin = cluster.admin;
      expect(await owner.claim(name, 150_000, 60_000, true)).toBe(true);
      expect(await admin.hget(owner.stateKey(name), 'loops')).toBe('2');
      // The other member (not rescheduled there) counts from the same start:
      // its claims neither restart the count nor go back to the old one.
      const other = owner === a ? b : a;
      expect(await other.claim(name, 420_000, 60_000, true)).toBe(false);
      expect(await admin.hget(owner.stateKey(name), 'runs')).toBe('5');
    });

    it('should give back a fence taken ahead for the old trigger, so the new trigger claims that due time as usual', async () => {
      const a = cluster.member('a');
      const name = 'Reschedule.often';
      await a.join([{ name, maxLoopCount: null }]);
      await eventually(() => a.ownerOf(name) === 'a');
      for (let due = 1_000; due <= 3_000; due += 1_000) {
        expect(await a.claim(name, due, 1_000)).toBe(true);
        a.runEnded(name);
      }
      const admin = cluster.admin;
      for (let i = 0; i < 100; i++) {
        if ((await admin.get(a.claimKey(name, 4_000))) === 'a|ahead') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await admin.get(a.claimKey(name, 4_000))).toBe('a|ahead');
      // Rescheduled at 3 500 to the same grid, now with maxLoopCount 1.
      a.declare([{ name, maxLoopCount: 1, loopsFrom: 3_500 }]);
      // 4 000 is the new trigger's first due time: not held ahead, claimed
      // (and counted); 5 000 is over the new count.
      expect(a.claimHeld(name, 4_000, 1_000)).toBe(false);
      expect(await a.claim(name, 4_000, 1_000)).toBe(true);
      a.runEnded(name);
      expect(await a.claim(name, 5_000, 1_000)).toBe(false);
      expect(await admin.hget(a.stateKey(name), 'runs')).toBe('4');
    });

    it('should run a rescheduled maxLoopCount again through the registry (one replica, VirtualClock)', async () => {
      const client = new Redis(REDIS_URL);
      const coordinator = new RedisCoordinator({
        client,
        keyPrefix: `${cluster.prefix}:app`,
        replicaId: 'app',
        leaseTtlMs: 5_000,
      });
      const { app, clock } = await createTestApp(
        { imports: [AioClockModule.forRoot({ timeZone: 'UTC', coordinator })] },
        '2024-03-31T11:00:00Z',
      );
      try {
        const registry = app.get(AioClockRegistry);
        const runs: string[] = [];
        registry.addTask({
          name: 'Reports.limited',
          trigger: { type: 'every', minutes: 1, maxLoopCount: 2 },
          run: (ctx: TaskContext) => {
            runs.push(ctx.scheduledAt.toISOString().slice(11, 16));
          },
        });
        for (let i = 0; i < 3; i++) {
          await clock.advance(60_000);
          await eventually(() => runs.length >= Math.min(i + 1, 2));
        }
        await eventually(() => registry.getTask('Reports.limited').finished);
        registry.reschedule('Reports.limited', {
          type: 'every',
          minutes: 1,
          maxLoopCount: 2,
        });
        for (let i = 0; i < 3; i++) {
          await clock.advance(60_000);
          await eventually(() => runs.length >= Math.min(i + 3, 4));
        }
        await eventually(() => registry.getTask('Reports.limited').finished);
        expect(runs).toEqual(['11:01', '11:02', '11:04', '11:05']);
      } finally {
        await app.close();
        await client.quit();
      }
    });
  },
);
