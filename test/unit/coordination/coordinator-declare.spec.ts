import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { Coordinator } from '../../../lib/coordination/coordinator.interface';
import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import { FORGET_TASK_SCRIPT } from '../../../lib/coordination/redis-cluster.scripts';
import { RedisCoordinator } from '../../../lib/coordination/redis.coordinator';
import { PGliteDatabase, pgliteForSuite } from '../../src/postgres/pglite';
import {
  describeWithRedis,
  REDIS_URL,
} from '../../src/replicas/redis-test-env';

// Coordinator.declare: a member that joined replaces the tasks it declares
// (run-time tasks, durable schedules), and every member's view follows.

type Member = Coordinator &
  Required<Pick<Coordinator, 'recordRun' | 'history'>> & {
    declare(tasks: { name: string; maxLoopCount: number | null }[]): void;
    forgetTask(task: string): Promise<boolean>;
    pauseTask(task: string, reason: string): void;
    join(tasks: { name: string; maxLoopCount: number | null }[]): Promise<void>;
    leave(): Promise<void>;
    ownerOf(task: string): string | null;
  };

const refresh = (member: Member) =>
  (
    member as unknown as { membership: { refresh(): Promise<void> } }
  ).membership.refresh();

const declared = (...names: string[]) =>
  names.map((name) => ({ name, maxLoopCount: null }));

/** The declare behaviour, on a pair of fresh members of one backend. */
function declareSuite(make: (id: string) => Member): void {
  it('should give a task declared after joining an owner on every member, and drop it when undeclared', async () => {
    const a = make('member-a');
    const b = make('member-b');
    await a.join(declared('shared'));
    await b.join(declared('shared'));
    await refresh(a);
    expect(a.ownerOf('added')).toBeNull();
    a.declare(declared('shared', 'added'));
    await refresh(a);
    await refresh(b);
    expect(a.ownerOf('added')).toBe('member-a');
    expect(b.ownerOf('added')).toBe('member-a');
    b.declare(declared('shared', 'added'));
    await refresh(b);
    await refresh(a);
    const owner = a.ownerOf('added');
    expect(owner === 'member-a' || owner === 'member-b').toBe(true);
    expect(b.ownerOf('added')).toBe(owner);
    a.declare(declared('shared'));
    b.declare(declared('shared'));
    await refresh(a);
    await refresh(b);
    await refresh(a);
    expect(a.ownerOf('added')).toBeNull();
    expect(b.ownerOf('added')).toBeNull();
  });

  it('should store a declaration made while a heartbeat is in flight', async () => {
    const a = make('member-a');
    const b = make('member-b');
    await a.join(declared('x'));
    await b.join(declared('x'));
    const inFlight = refresh(a);
    a.declare(declared('x', 'late'));
    await inFlight;
    await refresh(a);
    await refresh(b);
    expect(b.ownerOf('late')).toBe('member-a');
  });
}

/** Polls `check` every 10 ms for up to 3 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300 && !(await check()); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * forgetTask (a run-time task removed): its state and history go once no
 * other live member declares it, and no record of it lands afterwards.
 * @param stateOf whether the task's durable state exists in the store
 */
function forgetSuite(
  make: (id: string) => Member,
  stateOf: (task: string) => Promise<boolean>,
  pausedOf: (task: string) => Promise<boolean>,
): void {
  it("should keep a removed task's state while another member declares it, then delete it, records made before included", async () => {
    const a = make('member-a');
    const b = make('member-b');
    await a.join(declared('gone', 'stays'));
    await b.join(declared('gone', 'stays'));
    await refresh(a);
    await refresh(b);
    a.recordRun('gone', 1_000, 1_001, 1_001, 'failed', 'boom');
    a.recordRun('stays', 1_000, 1_001, 1_001, 'failed', 'boom');
    await eventually(async () => (await a.history('gone', 10)).length === 1);
    expect(await stateOf('gone')).toBe(true);

    a.declare(declared('stays'));
    await refresh(a);
    await refresh(b);
    await expect(a.forgetTask('gone')).resolves.toBe(false);
    expect(await b.history('gone', 10)).toHaveLength(1);
    expect(await stateOf('gone')).toBe(true);

    b.declare(declared('stays'));
    await refresh(b);
    await refresh(a);
    await refresh(b);
    // Made just before: a failure, then a success (kept for the batch), and
    // a pause (pauseOnFailure) still being stored.
    b.recordRun('gone', 2_000, 2_001, 2_002, 'failed', 'late');
    b.recordRun('gone', 3_000, 3_001, 3_001, 'succeeded', undefined);
    b.pauseTask('gone', 'failed 1 time in a row');
    b.pauseTask('stays', 'failed 1 time in a row');
    await expect(b.forgetTask('gone')).resolves.toBe(true);
    // Its pause too: a task added again under the name must not start paused.
    expect(await pausedOf('gone')).toBe(false);
    expect(await pausedOf('stays')).toBe(true);
    expect(await a.history('gone', 10)).toEqual([]);
    expect(await stateOf('gone')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await a.history('gone', 10)).toEqual([]);
    expect(await stateOf('gone')).toBe(false);
    // Another task's records are untouched.
    expect(await a.history('stays', 10)).toHaveLength(1);
    expect(await stateOf('stays')).toBe(true);
  });
}

describeWithRedis('RedisCoordinator.declare', () => {
  const clients: Redis[] = [];
  const members: Member[] = [];
  let prefix = '';

  beforeEach(() => {
    prefix = `aioclock-test:declare:${randomBytes(4).toString('hex')}`;
  });

  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.leave()));
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    for (const client of clients.splice(0)) client.disconnect();
  });

  const member = (id: string): Member => {
    const client = new Redis(REDIS_URL);
    clients.push(client);
    const made = new RedisCoordinator({
      client,
      keyPrefix: prefix,
      replicaId: id,
      leaseTtlMs: 5_000,
    }) as unknown as Member;
    members.push(made);
    return made;
  };

  declareSuite(member);

  forgetSuite(
    member,
    async (task) => {
      const admin = new Redis(REDIS_URL);
      clients.push(admin);
      const keys = new RedisCoordinator({ client: admin, keyPrefix: prefix });
      return (await admin.exists(keys.stateKey(task))) === 1;
    },
    async (task) => {
      const admin = new Redis(REDIS_URL);
      clients.push(admin);
      return (await admin.hexists(`${prefix}:{members}:paused`, task)) === 1;
    },
  );

  // A replica with scheduling disabled never joins, so it has no view of
  // the members: it asks Redis whether a live member declares the task.
  it('should let a replica that is no member forget a task no live member declares, and keep one a member declares', async () => {
    const a = member('member-a');
    const outsider = member('outsider');
    await a.join(declared('gone', 'stays'));
    a.recordRun('gone', 1_000, 1_001, 1_001, 'failed', 'boom');
    a.recordRun('stays', 1_000, 1_001, 1_001, 'failed', 'boom');
    await eventually(async () => (await a.history('gone', 10)).length === 1);

    await expect(outsider.forgetTask('gone')).resolves.toBe(false);
    expect(await outsider.history('gone', 10)).toHaveLength(1);

    a.declare(declared('stays'));
    await refresh(a);
    await expect(outsider.forgetTask('gone')).resolves.toBe(true);
    expect(await a.history('gone', 10)).toEqual([]);
    expect(await a.history('stays', 10)).toHaveLength(1);
  });

  it('should count a member whose entry has expired as gone, whatever it declared', async () => {
    const b = member('member-b');
    await b.join(declared());
    b.recordRun('gone', 1_000, 1_001, 1_001, 'failed', 'boom');
    await eventually(async () => (await b.history('gone', 10)).length === 1);
    // Another member's entries, as its heartbeat writes them: "expiresAt|digest".
    const admin = new Redis(REDIS_URL);
    clients.push(admin);
    const [seconds] = await admin.time();
    const serverNow = Number(seconds) * 1000;
    await admin.hset(`${prefix}:{members}:tasks`, 'ghost', '["gone"]');
    await admin.hset(`${prefix}:{members}`, 'ghost', `${serverNow + 60_000}|d`);
    await expect(b.forgetTask('gone')).resolves.toBe(false);
    // As if it had died: its entry expired on the server's clock.
    await admin.hset(`${prefix}:{members}`, 'ghost', `${serverNow - 1}|d`);
    await expect(b.forgetTask('gone')).resolves.toBe(true);
    expect(await b.history('gone', 10)).toEqual([]);
  });
});

// After a restart or SCRIPT FLUSH a record's EVALSHA meets NOSCRIPT and is
// sent again as EVAL once the reply is in: a DEL sent meanwhile must wait.
describeWithRedis('RedisCoordinator.forgetTask after a script flush', () => {
  it('should delete a record whose script Redis had to load again', async () => {
    const prefix = `aioclock-test:forget:${randomBytes(4).toString('hex')}`;
    const admin = new Redis(REDIS_URL);
    const client = new Redis(REDIS_URL);
    const member = new RedisCoordinator({
      client,
      keyPrefix: prefix,
      replicaId: 'only',
      leaseTtlMs: 5_000,
    });
    try {
      await member.join([{ name: 'x', maxLoopCount: null }]);
      member.declare([]);
      await admin.script('FLUSH');
      // The DEL's own script is cached (a forget ran since), the record's is not.
      await admin.script('LOAD', FORGET_TASK_SCRIPT.source);
      member.recordRun('x', 1_000, 1_001, 1_002, 'failed', 'boom');
      await Promise.resolve();
      await expect(member.forgetTask('x')).resolves.toBe(true);
      expect(await admin.exists(member.historyKey('x'))).toBe(0);
      expect(await admin.exists(member.stateKey('x'))).toBe(0);
    } finally {
      await member.leave();
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      client.disconnect();
      admin.disconnect();
    }
  });
});

describe('PostgresCoordinator.declare on PGlite', () => {
  let db: PGliteDatabase;
  let schema = '';
  let tests = 0;
  const members: Member[] = [];

  pgliteForSuite((opened) => (db = opened));

  beforeEach(() => {
    schema = `declare_${++tests}`;
  });

  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.leave()));
  });

  const member = (id: string): Member => {
    const made = new PostgresCoordinator({
      pool: db,
      schema,
      replicaId: id,
      leaseTtlMs: 5_000,
    }) as unknown as Member;
    members.push(made);
    return made;
  };

  declareSuite(member);

  forgetSuite(
    member,
    async (task) =>
      (
        await db.query(`SELECT 1 FROM ${schema}.task_state WHERE task = $1`, [
          task,
        ])
      ).rows.length === 1,
    async (task) =>
      (await db.query(`SELECT 1 FROM ${schema}.paused WHERE task = $1`, [task]))
        .rows.length === 1,
  );
});
