import Redis from 'ioredis';
import type { DeclaredTask } from '../../../lib/coordination/coordinator.interface';
import { RedisCoordinator } from '../../../lib/coordination/redis.coordinator';
import { describeWithRedis } from '../../src/replicas/redis-test-env';
import {
  eventually,
  RedisMembers,
  sleep,
} from '../../src/replicas/redis-members';
import { setup, task } from '../scheduler/scheduler.fixtures';

// Membership, ownership and the durable claim, against a real Redis: several
// coordinators in one process stand for replicas, each with its own client.

const TASKS: DeclaredTask[] = Array.from({ length: 30 }, (_, i) => ({
  name: `Jobs.task${i}`,
  maxLoopCount: null,
}));

describeWithRedis('RedisCoordinator as a cluster member', () => {
  const cluster = new RedisMembers('aioclock-cluster');
  const member = (id: string, historyKeep = 100) =>
    cluster.member(id, { historyKeep });

  const owners = (coordinator: RedisCoordinator) =>
    TASKS.map((task) => coordinator.ownerOf(task.name));

  it('should own nothing before joining, and everything alone', async () => {
    const a = member('a');
    expect(a.ownerOf('Jobs.task0')).toBeNull();
    await a.join(TASKS);
    expect(new Set(owners(a))).toEqual(new Set(['a']));
    expect(a.ownerOf('Jobs.undeclared')).toBeNull();
  });

  it('should split the tasks evenly, every member computing the same owners', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((id) => member(id));
    await a.join(TASKS);
    await b.join(TASKS);
    await c.join(TASKS);
    // a and b learn of c through the published change.
    await eventually(
      () =>
        JSON.stringify(owners(a)) === JSON.stringify(owners(c)) &&
        JSON.stringify(owners(b)) === JSON.stringify(owners(c)),
    );
    const counts = ['a', 'b', 'c'].map(
      (id) => owners(c).filter((owner) => owner === id).length,
    );
    expect(counts).toEqual([10, 10, 10]);
  });

  it('should let only the owner claim, once per due time', async () => {
    const [a, b] = ['a', 'b'].map((id) => member(id));
    await a.join(TASKS);
    await b.join(TASKS);
    await eventually(() => a.ownerOf('Jobs.task0') === b.ownerOf('Jobs.task0'));
    const owner = a.ownerOf('Jobs.task0') === 'a' ? a : b;
    const other = owner === a ? b : a;
    await expect(other.claim('Jobs.task0', 1_000, 1_000)).resolves.toBe(
      'notOwner',
    );
    // The non-owner did not even write the fence.
    expect(
      await cluster.admin.exists(owner.claimKey('Jobs.task0', 1_000)),
    ).toBe(0);
    await expect(owner.claim('Jobs.task0', 1_000, 1_000)).resolves.toBe(true);
    await expect(owner.claim('Jobs.task0', 1_000, 1_000)).resolves.toBe(false);
    expect(
      await cluster.admin.hgetall(owner.stateKey('Jobs.task0')),
    ).toMatchObject({
      runs: '1',
      lastDue: '1000',
      lastReplica: owner.replicaId,
    });
  });

  it('should send the claims of one turn together and answer each', async () => {
    const a = member('a');
    await a.join(TASKS);
    const answers = await Promise.all(
      TASKS.map((task) => a.claim(task.name, 5_000, 1_000)),
    );
    expect(answers.every((won) => won)).toBe(true);
    const again = await Promise.all(
      TASKS.map((task) => a.claim(task.name, 5_000, 1_000)),
    );
    expect(again.some((won) => won)).toBe(false);
  });

  it('should hand a leaving member tasks over at once', async () => {
    const [a, b] = ['a', 'b'].map((id) => member(id));
    await a.join(TASKS);
    await b.join(TASKS);
    await eventually(() => owners(a).includes('b'));
    await b.leave();
    // Announced, not waited for until a heartbeat (5 000 / 5 = 1 s away).
    await eventually(() => owners(a).every((owner) => owner === 'a'));
  });

  it('should give a task only to members that declare it', async () => {
    const a = member('a');
    const b = member('b');
    await a.join(TASKS.slice(0, 10));
    await b.join(TASKS);
    await eventually(() => a.ownerOf('Jobs.task29') === 'b');
    for (const task of TASKS.slice(10)) expect(b.ownerOf(task.name)).toBe('b');
  });

  it('should drop a member whose heartbeats stopped once its entry expired, on the server clock', async () => {
    const a = member('a');
    // A member that died: its entry (written as a heartbeat would) expires in 300 ms.
    const [seconds, micros] = await cluster.admin.time();
    const expiresAt =
      Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000) + 300;
    await cluster.admin.hset(
      `${cluster.prefix}:{members}`,
      'ghost',
      `${expiresAt}|x`,
    );
    await cluster.admin.hset(
      `${cluster.prefix}:{members}:tasks`,
      'ghost',
      JSON.stringify(TASKS.map((task) => task.name)),
    );
    await a.join(TASKS);
    expect(owners(a)).toContain('ghost');
    await sleep(400);
    await a.claim('Jobs.task0', 9_000, 1_000); // fresh: no refresh on its own
    await a.leave();
    const again = member('a2');
    await again.join(TASKS);
    expect(new Set(owners(again))).toEqual(new Set(['a2']));
    expect(
      await cluster.admin.hexists(`${cluster.prefix}:{members}`, 'ghost'),
    ).toBe(0);
  });

  it('should count maxLoopCount over the cluster, afresh once every member has left', async () => {
    const limited = [
      { name: 'Jobs.limited', maxLoopCount: 2, overlap: 'allow' },
    ];
    const a = member('a');
    await a.join(limited);
    await expect(a.claim('Jobs.limited', 1_000, 1_000)).resolves.toBe(true);
    // A second member joins and takes the task over (or not): the count goes on.
    const b = member('b');
    await b.join(limited);
    await eventually(
      () => a.ownerOf('Jobs.limited') === b.ownerOf('Jobs.limited'),
    );
    const owner = a.ownerOf('Jobs.limited') === 'a' ? a : b;
    await expect(owner.claim('Jobs.limited', 2_000, 1_000)).resolves.toBe(true);
    await expect(owner.claim('Jobs.limited', 3_000, 1_000)).resolves.toBe(
      false,
    );
    expect(
      await cluster.admin.exists(owner.claimKey('Jobs.limited', 3_000)),
    ).toBe(0);
    // The whole cluster stops and starts again (a deploy): a new count.
    await a.leave();
    await b.leave();
    const c = member('c');
    await c.join(limited);
    await expect(c.claim('Jobs.limited', 4_000, 1_000)).resolves.toBe(true);
    expect(await cluster.admin.hget(c.stateKey('Jobs.limited'), 'runs')).toBe(
      '3',
    );
  });

  it('should answer busy while a run of the task is in flight on another replica, and free it when that run ends', async () => {
    const task = [{ name: 'Jobs.slow', maxLoopCount: null, overlap: 'skip' }];
    const a = member('a');
    await a.join(task);
    await expect(a.claim('Jobs.slow', 1_000, 1_000)).resolves.toBe(true);
    expect(await cluster.admin.get(a.runningKey('Jobs.slow'))).toBe('a');
    // a hands the task over while its run is still going.
    await a.leave();
    const b = member('b');
    await b.join(task);
    await expect(b.claim('Jobs.slow', 2_000, 1_000)).resolves.toBe('busy');
    // Not fenced: the busy due time did not run anywhere.
    expect(await cluster.admin.exists(b.claimKey('Jobs.slow', 2_000))).toBe(0);
    expect(await cluster.admin.hget(b.stateKey('Jobs.slow'), 'skipped')).toBe(
      '1',
    );
    a.runEnded('Jobs.slow');
    await sleep(50);
    expect(await cluster.admin.exists(a.runningKey('Jobs.slow'))).toBe(0);
    await expect(b.claim('Jobs.slow', 3_000, 1_000)).resolves.toBe(true);
    // Its own run in flight does not make it busy: the local policy decides.
    await expect(b.claim('Jobs.slow', 4_000, 1_000)).resolves.toBe(true);
  });

  it('should not mark runs of an overlap: allow task', async () => {
    const a = member('a');
    await a.join([{ name: 'Jobs.free', maxLoopCount: null, overlap: 'allow' }]);
    await expect(a.claim('Jobs.free', 1_000, 1_000)).resolves.toBe(true);
    expect(await cluster.admin.exists(a.runningKey('Jobs.free'))).toBe(0);
  });

  it('should show the owner in TaskInfo and the replica in the run context', async () => {
    const a = member('a');
    const { clock, scheduler } = setup({ coordinator: a });
    let replica = '';
    scheduler.addTask(
      task('Jobs.task0', { type: 'every', seconds: 1 }, (ctx) => {
        replica = ctx.replica;
      }),
    );
    expect(scheduler.getTask('Jobs.task0').owner).toBeNull();
    await a.join(TASKS);
    await scheduler.start();
    expect(scheduler.getTask('Jobs.task0').owner).toBe('a');
    const b = member('b');
    await b.join(TASKS);
    await eventually(() => a.ownerOf('Jobs.task0') === b.ownerOf('Jobs.task0'));
    expect(scheduler.getTask('Jobs.task0').owner).toBe(b.ownerOf('Jobs.task0'));
    await b.leave();
    await eventually(() => a.ownerOf('Jobs.task0') === 'a');
    // VirtualClock at 2024: the due time is long past the fence's lifetime, never claimed.
    await clock.advance(1_000);
    await eventually(() => replica !== '');
    expect(replica).toBe('a');
    await scheduler.stop(0);
  });

  it('should keep the history in Redis, capped, readable from every replica', async () => {
    const a = member('a', 3);
    const { clock, scheduler } = setup({ coordinator: a });
    scheduler.addTask(
      task('Jobs.task0', { type: 'every', seconds: 1 }, (ctx) => {
        if (ctx.scheduledAt.getTime() % 2_000 === 0) throw new Error('even');
      }),
    );
    await a.join(TASKS);
    await scheduler.start();
    for (let i = 0; i < 5; i++) {
      await clock.advance(1_000);
      await sleep(20); // the claim's round trip
    }
    const b = member('b');
    let history = await scheduler.getHistory('Jobs.task0', 10);
    for (let i = 0; i < 100 && history.length < 3; i++) {
      await sleep(10);
      history = await scheduler.getHistory('Jobs.task0', 10);
    }
    expect(history.map((record) => record.outcome)).toHaveLength(3);
    expect(history.every((record) => record.replica === 'a')).toBe(true);
    expect(
      history.map((record) => record.scheduledAt.getTime() % 2_000 === 0),
    ).toEqual(history.map((record) => record.outcome === 'failed'));
    expect(history[0].scheduledAt.getTime()).toBeGreaterThan(
      history[1].scheduledAt.getTime(),
    );
    // Another replica reads the same records.
    await expect(b.history('Jobs.task0', 10)).resolves.toEqual(history);
    await scheduler.stop(0);
  });

  it("should keep a run's attempt and catchUp in the Redis history", async () => {
    const a = member('a');
    a.recordRun('Jobs.task0', 1_000, 1_000, 1_005, 'failed', 'boom');
    a.recordRun('Jobs.task0', 1_000, 2_000, 2_005, 'succeeded', undefined, 2);
    a.recordRun('Jobs.task0', 0, 3_000, 3_005, 'succeeded', undefined, 1, true);
    let history = await a.history('Jobs.task0', 10);
    for (let i = 0; i < 100 && history.length < 3; i++) {
      await sleep(10); // the next script batch
      history = await a.history('Jobs.task0', 10);
    }
    expect(
      history.map((record) => [
        record.outcome,
        record.attempt,
        record.catchUp,
        record.error,
      ]),
    ).toEqual([
      ['succeeded', 1, true, undefined],
      ['succeeded', 2, false, undefined],
      ['failed', 1, false, 'boom'],
    ]);
  });

  it('should store a success made at the send like any record, in the order the runs ended', async () => {
    const a = member('a');
    // A first try that succeeded at once: its record is made when the batch is sent.
    a.recordRun('Jobs.task1', 1_000, 1_002, 1_002, 'succeeded', undefined);
    // Any other record in the same turn goes after it.
    a.recordRun('Jobs.task1', 2_000, 2_001, 2_009, 'failed', 'boom');
    a.recordRun('Jobs.task1', 3_000, 3_004, 3_004, 'succeeded', undefined);
    let history = await a.history('Jobs.task1', 10);
    for (let i = 0; i < 100 && history.length < 3; i++) {
      await sleep(10);
      history = await a.history('Jobs.task1', 10);
    }
    expect(history).toEqual([
      {
        task: 'Jobs.task1',
        scheduledAt: new Date(3_000),
        startedAt: new Date(3_004),
        finishedAt: new Date(3_004),
        outcome: 'succeeded',
        replica: 'a',
        attempt: 1,
        catchUp: false,
      },
      {
        task: 'Jobs.task1',
        scheduledAt: new Date(2_000),
        startedAt: new Date(2_001),
        finishedAt: new Date(2_009),
        outcome: 'failed',
        replica: 'a',
        attempt: 1,
        catchUp: false,
        error: 'boom',
      },
      {
        task: 'Jobs.task1',
        scheduledAt: new Date(1_000),
        startedAt: new Date(1_002),
        finishedAt: new Date(1_002),
        outcome: 'succeeded',
        replica: 'a',
        attempt: 1,
        catchUp: false,
      },
    ]);
    // The success ended the failure streak the failure began.
    expect(
      await cluster.admin.hget(a.stateKey('Jobs.task1'), 'consecutiveFailures'),
    ).toBe('0');
  });

  it('should reject a bad history.keep', () => {
    const client = new Redis({ lazyConnect: true });
    for (const keep of [0, 1.5, 100_001])
      expect(() => new RedisCoordinator({ client, history: { keep } })).toThrow(
        'RedisCoordinator: invalid history: an object (expected { keep?: an integer from 1 to 100000 })',
      );
    client.disconnect();
  });
});
