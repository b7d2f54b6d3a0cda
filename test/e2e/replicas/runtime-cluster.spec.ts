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
import {
  type HandledRun,
  ReportMailer,
  ReportsModule,
} from '../../src/schedules/schedules.fixtures';

// Run-time tasks and durable schedules under a real durable coordinator (two
// apps in this process, each its own Redis member): they are declared to the
// membership, owned by one member each and fenced by the claim. The
// schedules live in the coordinator's RedisScheduleStore, shared through
// Redis under the apps' key prefix.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis('run-time tasks and schedules in a Redis cluster', () => {
  const clients: Redis[] = [];
  const apps: TestingModule[] = [];
  let prefix: string;

  beforeEach(() => {
    prefix = `aioclock-test:runtime:${randomBytes(4).toString('hex')}`;
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    for (const client of clients.splice(0)) client.disconnect();
  });

  /** @param handlers false: an API-only replica, declaring no schedule handler */
  async function replica(id: string, handlers = true) {
    const client = new Redis(REDIS_URL);
    clients.push(client);
    // Its subscriber connections (schedule notices), kept to cut one.
    const subscribers: Redis[] = [];
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (...args: Parameters<Redis['duplicate']>) => {
      const subscriber = duplicate(...args);
      subscribers.push(subscriber);
      clients.push(subscriber);
      return subscriber;
    };
    const coordinator = new RedisCoordinator({
      client,
      keyPrefix: prefix,
      replicaId: id,
      leaseTtlMs: 3_000,
    });
    const app = await Test.createTestingModule({
      imports: [
        AioClockModule.forRoot({ timeZone: 'UTC', coordinator }),
        ...(handlers ? [ReportsModule] : []),
      ],
    })
      .setLogger(new CaptureLogger())
      .compile();
    await app.init();
    apps.push(app);
    return {
      id,
      coordinator,
      subscribers,
      registry: app.get(AioClockRegistry),
      sent: handlers ? app.get(ReportMailer).sent : [],
    };
  }

  /** (task, due time) → how many replicas ran it, for due times in [from, to]. */
  function runsByDue(
    runs: HandledRun[][],
    from: number,
    to: number,
  ): Map<string, number> {
    const counts = new Map<string, number>();
    for (const list of runs)
      for (const run of list) {
        const due = Date.parse(run.scheduledAt);
        if (due < from || due > to) continue;
        const key = `${run.task}@${run.scheduledAt}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    return counts;
  }

  it('should spread schedules over the members that declare their handler, each due time once', async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    const ids = Array.from(
      { length: 40 },
      (_, i) => `c-${String(i).padStart(2, '0')}`,
    );
    for (const id of ids)
      await a.registry.upsertSchedule({
        id,
        handler: 'reports.send',
        trigger: { type: 'every', seconds: 1 },
        payload: { customer: id },
      });
    // Both members have declared the schedules' tasks once this passes.
    await sleep(1_200);
    const from = Math.ceil(Date.now() / 1_000) * 1_000;
    const to = from + 2_000;
    // A second past the last due time counted: a loaded machine runs it late.
    await sleep(to + 1_000 - Date.now());
    const counts = runsByDue([a.sent, b.sent], from, to);
    expect(counts.size).toBe(ids.length * 3);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const owners = await Promise.all(
      ids.map(async (id) => (await b.registry.getSchedule(id))!.owner),
    );
    const perOwner = {
      a: owners.filter((o) => o === 'replica-a').length,
      b: owners.filter((o) => o === 'replica-b').length,
    };
    expect(perOwner.a + perOwner.b).toBe(ids.length);
    expect(Math.min(perOwner.a, perOwner.b)).toBeGreaterThanOrEqual(15);
    const ranOnA = a.sent.filter(
      (r) => Date.parse(r.scheduledAt) >= from,
    ).length;
    const ranOnB = b.sent.filter(
      (r) => Date.parse(r.scheduledAt) >= from,
    ).length;
    expect(Math.min(ranOnA, ranOnB)).toBeGreaterThan(0);

    // A removal on one replica stops the schedule on every replica.
    const removed = ids.slice(0, 10);
    for (const id of removed) await b.registry.removeSchedule(id);
    await sleep(100);
    const after = Date.now();
    await sleep(1_500);
    const late = [...a.sent, ...b.sent].filter(
      (r) =>
        removed.includes(r.task.slice('schedule:'.length)) &&
        Date.parse(r.scheduledAt) > after,
    );
    expect(late).toEqual([]);
  });

  it('should stop a removed schedule on every replica, one whose notices were cut included, within a heartbeat', async () => {
    const members = [
      await replica('replica-a'),
      await replica('replica-b'),
      await replica('replica-c'),
    ];
    const [a, , c] = members;
    const ids = Array.from({ length: 30 }, (_, i) => `r-${i}`);
    for (const id of ids)
      await a.registry.upsertSchedule({
        id,
        handler: 'reports.send',
        trigger: { type: 'every', seconds: 1 },
      });
    await sleep(1_200);
    // c hears nothing more, without a reconnect (a half-open connection).
    const channel = c.coordinator.schedules.channel;
    await Promise.all(c.subscribers.map((s) => s.unsubscribe(channel)));
    for (const id of ids) await a.registry.removeSchedule(id);
    // One heartbeat (600 ms) for c to find the change, one due time of margin.
    const after = Date.now() + 600 + 1_000;
    await sleep(after + 1_500 - Date.now());
    const late = members.flatMap((member) =>
      member.sent
        .filter((run) => Date.parse(run.scheduledAt) > after)
        .map((run) => `${member.id}: ${run.task} @ ${run.scheduledAt}`),
    );
    expect(late).toEqual([]);
    expect(() => c.registry.getTask(`schedule:${ids[0]}`)).toThrow();
  });

  it('should stop a schedule removed while a member was cut off for longer than the change log reaches', async () => {
    const a = await replica('replica-a');
    const c = await replica('replica-c');
    for (const id of ['kept', 'dropped'])
      await a.registry.upsertSchedule({
        id,
        handler: 'reports.send',
        trigger: { type: 'every', seconds: 1 },
      });
    await sleep(1_200);
    const store = c.coordinator.schedules;
    await Promise.all(c.subscribers.map((s) => s.unsubscribe(store.channel)));
    await a.registry.removeSchedule('dropped');
    // The log no longer reaches back to c's last change: a gap.
    const admin = new Redis(REDIS_URL);
    await admin.del(store.logKey);
    admin.disconnect();
    const after = Date.now() + 600 + 1_000;
    await sleep(after + 1_500 - Date.now());
    const late = [...a.sent, ...c.sent].filter(
      (run) =>
        run.task === 'schedule:dropped' && Date.parse(run.scheduledAt) > after,
    );
    expect(late).toEqual([]);
    expect(() => c.registry.getTask('schedule:dropped')).toThrow();
    expect(c.registry.getTask('schedule:kept').paused).toBe(false);
  });

  it("should report the cluster's counters of a schedule on every replica, one without its handler included", async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    const api = await replica('api-only', false);
    await a.registry.upsertSchedule({
      id: 'counted',
      handler: 'reports.send',
      trigger: { type: 'every', seconds: 1 },
    });
    await sleep(3_500);
    await a.registry.pauseSchedule('counted');
    // The counters are read with each heartbeat (600 ms).
    await sleep(1_500);
    const ran = [...a.sent, ...b.sent].filter(
      (run) => run.task === 'schedule:counted',
    );
    expect(ran.length).toBeGreaterThanOrEqual(2);
    const last = Math.max(...ran.map((run) => Date.parse(run.scheduledAt)));
    for (const member of [a, b, api]) {
      const info = (await member.registry.getSchedule('counted'))!;
      expect(info.runs).toBe(ran.length);
      expect(info.failures).toBe(0);
      expect(info.lastRunAt!.getTime()).toBeGreaterThanOrEqual(last);
    }
  });

  it('should declare a task added at run time, so one member owns it and each due time runs once', async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    const ran: string[] = [];
    for (const member of [a, b])
      member.registry.addTask({
        name: 'added.tick',
        trigger: Every({ seconds: 1 }),
        run: (ctx) => {
          ran.push(`${member.id}@${ctx.scheduledAt.toISOString()}`);
        },
      });
    await sleep(1_200);
    const owner = a.registry.getTask('added.tick').owner;
    expect(owner === 'replica-a' || owner === 'replica-b').toBe(true);
    expect(b.registry.getTask('added.tick').owner).toBe(owner);
    const from = Math.ceil(Date.now() / 1_000) * 1_000;
    await sleep(from + 2_000 - Date.now());
    const dues = ran
      .map((line) => line.split('@'))
      .filter(
        ([, due]) => Date.parse(due) >= from && Date.parse(due) <= from + 1_000,
      );
    expect(dues.map(([replicaId]) => replicaId)).toEqual([owner, owner]);
    // Removed on the owner, the task moves to the other member.
    await (owner === 'replica-a' ? a : b).registry.removeTask('added.tick');
    await sleep(1_200);
    expect(
      (owner === 'replica-a' ? b : a).registry.getTask('added.tick').owner,
    ).not.toBe(owner);
  });
});
