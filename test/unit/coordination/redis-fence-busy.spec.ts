import Redis from 'ioredis';
import { VirtualClock } from '../../../lib/clock/virtual-clock';
import { skipReasons } from '../../../lib/aioclock.messages';
import type { DeclaredTask } from '../../../lib/coordination/coordinator.interface';
import { RedisCoordinator } from '../../../lib/coordination/redis.coordinator';
import {
  describeWithRedis,
  REDIS_URL,
} from '../../src/replicas/redis-test-env';
import { eventually, RedisMembers } from '../../src/replicas/redis-members';
import { setup, T0, task as taskDef } from '../scheduler/scheduler.fixtures';

// A due time fenced ahead (redis-claims-ahead.ts) while another replica
// starts a run of the task (a backfill there): the holder used to confirm
// its fence over that replica's running mark, so both ran and `skip` did not
// hold across the two. Against a real Redis.

const TASKS: DeclaredTask[] = Array.from({ length: 8 }, (_, i) => ({
  name: `FenceBusy.task${i}`,
  maxLoopCount: null,
}));

describeWithRedis(
  'RedisCoordinator: a fence taken ahead meets a run elsewhere',
  () => {
    const cluster = new RedisMembers('aioclock-fence-busy');
    const extra: Redis[] = [];
    afterAll(async () => {
      await Promise.all(extra.map((client) => client.quit()));
    });

    /** a and b joined, agreeing on owners; a task a owns, with its next due time (11 000) fenced by a. */
    async function fencedByA(a: RedisCoordinator, b: RedisCoordinator) {
      await a.join(TASKS);
      await b.join(TASKS);
      await eventually(() =>
        TASKS.every(
          (t) =>
            a.ownerOf(t.name) !== null &&
            a.ownerOf(t.name) === b.ownerOf(t.name),
        ),
      );
      await eventually(() => TASKS.some((t) => a.ownerOf(t.name) === 'b'));
      const task = TASKS.find((t) => a.ownerOf(t.name) === 'a')!.name;
      await expect(a.claim(task, 10_000, 1_000)).resolves.toBe(true);
      // That run ends: the task runs nowhere now.
      a.runEnded(task);
      const admin = cluster.admin;
      for (let i = 0; i < 200; i++) {
        if (
          (await admin.get(a.claimKey(task, 11_000))) === 'a|ahead' &&
          (await admin.exists(a.runningKey(task))) === 0
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await admin.get(a.claimKey(task, 11_000))).toBe('a|ahead');
      return task;
    }

    it("should answer 'busy' for the fenced due time while the other replica's run is in flight, as a claim does", async () => {
      const a = cluster.member('a');
      const b = cluster.member('b');
      const task = await fencedByA(a, b);
      // b backfills an earlier due time: nothing runs, so it runs there.
      await expect(b.claim(task, 9_000, 1_000, true)).resolves.toBe(true);
      const admin = cluster.admin;
      expect(await admin.get(a.runningKey(task))).toBe('b');
      // a's fenced due time comes while b's run is in flight: skipped as busy.
      const answer = a.claimHeld(task, 11_000, 1_000)
        ? 'started on its fence'
        : await a.claim(task, 11_000, 1_000);
      expect(answer).toBe('busy');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await admin.get(a.runningKey(task))).toBe('b');
      expect(await admin.hget(a.stateKey(task), 'skipped')).toBe('1');
      // Not fenced, and nobody runs it later.
      expect(await admin.exists(a.claimKey(task, 11_000))).toBe(0);
    });

    it('should run only one of the two when the holder started on its fence before it heard of the other run', async () => {
      // a's commands wait behind a blocking read, so its confirmation lands
      // after b's claim, although a started its run first.
      const client = new Redis(REDIS_URL);
      const blocker = new Redis(REDIS_URL);
      extra.push(client, blocker);
      const a = new RedisCoordinator({
        client,
        keyPrefix: cluster.prefix,
        replicaId: 'a',
        leaseTtlMs: 5_000,
      });
      const b = cluster.member('b');
      try {
        const task = await fencedByA(a, b);
        const unblock = `${cluster.prefix}:unblock`;
        const blocked = client.blpop(unblock, 0);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(a.claimHeld(task, 11_000, 1_000)).toBe(true);
        const other = b.claim(task, 9_000, 1_000, true);
        // b's claim reaches Redis first.
        for (let i = 0; i < 200; i++) {
          if ((await cluster.admin.get(a.runningKey(task))) === 'b') break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await blocker.lpush(unblock, 'go');
        await blocked;
        // a's run had started: b's must not.
        await expect(other).resolves.toBe('busy');
        expect(await cluster.admin.get(a.runningKey(task))).toBe('a');
        expect(await cluster.admin.get(a.claimKey(task, 9_000))).toBeNull();
      } finally {
        await a.leave();
      }
    });

    it("should skip, on the owner's scheduler, its fenced due time while a backfill run is in flight elsewhere", async () => {
      const a = cluster.member('a');
      const b = cluster.member('b');
      await a.join(TASKS);
      await b.join(TASKS);
      await eventually(() =>
        TASKS.every(
          (t) =>
            a.ownerOf(t.name) !== null &&
            a.ownerOf(t.name) === b.ownerOf(t.name),
        ),
      );
      await eventually(() => TASKS.some((t) => a.ownerOf(t.name) === 'b'));
      const name = TASKS.find((t) => a.ownerOf(t.name) === 'a')!.name;
      const clock = new VirtualClock(new Date(T0));
      const ran: number[] = [];
      const { scheduler, events } = setup({ clock, coordinator: a });
      scheduler.addTask(
        taskDef(name, { type: 'every', seconds: 1 }, (ctx) => {
          ran.push(ctx.scheduledAt.getTime() - T0);
        }),
      );
      await scheduler.start();
      try {
        await clock.advance(1_000);
        await eventually(() => ran.length === 1);
        // The run has ended (its mark freed) and the next due time is fenced.
        const admin = cluster.admin;
        for (let i = 0; i < 200; i++) {
          if (
            (await admin.get(a.claimKey(name, T0 + 2_000))) === 'a|ahead' &&
            (await admin.exists(a.runningKey(name))) === 0
          )
            break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(await admin.get(a.claimKey(name, T0 + 2_000))).toBe('a|ahead');
        // b backfills an earlier due time; its run goes on past T0 + 2 s.
        await expect(b.claim(name, T0 - 3_000, 1_000, true)).resolves.toBe(
          true,
        );
        await clock.advance(1_000);
        await eventually(() =>
          events.some(
            (e) =>
              e.type === 'skipped' && e.scheduledAt.getTime() === T0 + 2_000,
          ),
        );
        expect(ran).toEqual([1_000]);
        expect(
          events.find(
            (e) =>
              e.type === 'skipped' && e.scheduledAt.getTime() === T0 + 2_000,
          )?.reason,
        ).toBe(skipReasons.runningElsewhere);
      } finally {
        await scheduler.stop(1_000);
      }
    });

    it('should give up a claim waiting on a fence when its member leaves, and give its keys back', async () => {
      const b = cluster.member('b');
      await b.join(TASKS);
      const task = TASKS[0].name;
      const admin = cluster.admin;
      // A member that died (x) holds the task's next due time fenced ahead:
      // nobody will give it back, so a claim waits for the fence's life.
      const ahead = b.runningKey(task).replace(/running$/, 'ahead');
      await admin.set(b.claimKey(task, 11_000), 'x|ahead', 'PX', 1_500);
      await admin.set(ahead, '11000|x', 'PX', 1_500);
      // b catches up an earlier due time, then leaves while its claim waits.
      let settled = false;
      const claim = b.claim(task, 9_000, 1_000, true).finally(() => {
        settled = true;
      });
      const until = async (check: () => Promise<boolean>) => {
        for (let i = 0; i < 200 && !(await check()); i++)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(await check()).toBe(true);
      };
      await until(async () => (await admin.get(ahead)) === '!11000|x');
      expect(settled).toBe(false);
      await b.leave();
      // No run starts on a replica that left; its due time and mark go back.
      await expect(claim).resolves.toBe(false);
      await until(
        async () =>
          (await admin.exists(b.claimKey(task, 9_000))) === 0 &&
          (await admin.exists(b.runningKey(task))) === 0,
      );
    });
  },
);
