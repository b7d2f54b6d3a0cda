import { randomBytes } from 'node:crypto';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { AioClockError } from '../../../lib/errors/aioclock.error';
import { freePort } from '../../src/replicas/redis-server';
import {
  REDIS_CLAIM_MAX_TTL_MS,
  REDIS_CLAIM_MIN_TTL_MS,
  REDIS_CLAIM_UNKNOWN_PERIOD_TTL_MS,
  RedisCoordinator,
} from '../../../lib/coordination/redis.coordinator';
import {
  REDIS_URL,
  describeWithRedis,
} from '../../src/replicas/redis-test-env';

// The hash tag Redis Cluster hashes: the text between the first '{' and the
// next '}', when that text is not empty (cluster specification, "hash tags").
function hashTag(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return null;
  return key.slice(open + 1, close);
}

describe('RedisCoordinator (no server needed)', () => {
  // A lazyConnect client never connects unless a command is sent.
  const idle = new Redis({ lazyConnect: true });
  const coordinator = new RedisCoordinator({ client: idle, keyPrefix: 'app' });

  afterAll(() => idle.disconnect());

  it('should align @Every runs to the epoch', () => {
    expect(coordinator.alignsToEpoch).toBe(true);
  });

  it.each([
    [1_000, REDIS_CLAIM_MIN_TTL_MS],
    [29_999, REDIS_CLAIM_MIN_TTL_MS],
    [30_000, 60_000],
    [45_000, 90_000],
    [30 * 60_000, 60 * 60_000],
    [12 * 3_600_000, REDIS_CLAIM_MAX_TTL_MS],
    [7 * 86_400_000, REDIS_CLAIM_MAX_TTL_MS],
    [null, REDIS_CLAIM_UNKNOWN_PERIOD_TTL_MS],
    [0, REDIS_CLAIM_UNKNOWN_PERIOD_TTL_MS],
    [Number.POSITIVE_INFINITY, REDIS_CLAIM_UNKNOWN_PERIOD_TTL_MS],
  ])(
    'should keep a claim of a task with period %p for %p ms',
    (periodMs, expected) => {
      const ttl = coordinator.claimTtl(periodMs);
      expect(ttl).toBe(expected);
      expect(ttl).toBeGreaterThanOrEqual(60_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
    },
  );

  it('should build claim and lease keys with the task name as Redis Cluster hash tag', () => {
    expect(coordinator.claimKey('Reports.daily', 1_711_882_800_000)).toBe(
      'app:{Reports.daily}:1711882800000',
    );
    expect(coordinator.leaseKey('Reports.daily')).toBe(
      'app:{Reports.daily}:lease',
    );
    expect(hashTag(coordinator.claimKey('Reports.daily', 1))).toBe(
      'Reports.daily',
    );
    expect(hashTag(coordinator.leaseKey('Reports.daily'))).toBe(
      'Reports.daily',
    );
  });

  it('should encode braces and percent signs so the hash tag stays the whole task name', () => {
    const key = coordinator.claimKey('a{b}c%', 5);
    expect(key).toBe('app:{a%7Bb%7Dc%25}:5');
    expect(hashTag(key)).toBe('a%7Bb%7Dc%25');
    expect(hashTag(coordinator.leaseKey('}{'))).toBe('%7D%7B');
    // Distinct names stay distinct keys.
    expect(coordinator.claimKey('a{', 1)).not.toBe(
      coordinator.claimKey('a%7B', 1),
    );
  });

  it('should default the key prefix to "aioclock" and the replica id to host:pid:random', () => {
    const defaults = new RedisCoordinator({ client: idle });
    expect(defaults.keyPrefix).toBe('aioclock');
    expect(defaults.claimTimeoutMs).toBe(1_000);
    expect(defaults.leaseTtlMs).toBe(10_000);
    expect(defaults.heartbeatMs).toBe(2_000);
    expect(defaults.replicaId).toMatch(
      new RegExp(`^.+:${process.pid}:[0-9a-f]{8}$`),
    );
    expect(new RedisCoordinator({ client: idle }).replicaId).not.toBe(
      defaults.replicaId,
    );
  });

  // Also a type check: the client option is a structural type, not ioredis's.
  it('should take an ioredis Cluster as its client', () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], {
      lazyConnect: true,
    });
    try {
      expect(new RedisCoordinator({ client: cluster }).keyPrefix).toBe(
        'aioclock',
      );
    } finally {
      cluster.disconnect();
    }
  });

  it.each([
    [
      { client: undefined },
      'RedisCoordinator: invalid client: undefined (expected an ioredis Redis or Cluster instance)',
    ],
    [
      { client: {} },
      'RedisCoordinator: invalid client: an object (expected an ioredis Redis or Cluster instance)',
    ],
    [
      { keyPrefix: '' },
      'RedisCoordinator: invalid keyPrefix: "" (expected a non-empty string)',
    ],
    [
      { claimTimeoutMs: 0 },
      'RedisCoordinator: invalid claimTimeoutMs: 0 (expected a number of ms > 0)',
    ],
    [
      { claimTimeoutMs: Number.NaN },
      'RedisCoordinator: invalid claimTimeoutMs: NaN (expected a number of ms > 0)',
    ],
    [
      { leaseTtlMs: 1_999 },
      'RedisCoordinator: invalid leaseTtlMs: 1999 (expected a number of ms >= 2 × claimTimeoutMs (2000)',
    ],
    [
      { claimTimeoutMs: 500, leaseTtlMs: 'long' },
      'RedisCoordinator: invalid leaseTtlMs: "long" (expected a number of ms >= 2 × claimTimeoutMs (1000)',
    ],
    [
      { leaseTtlMs: 3e9 },
      "RedisCoordinator: invalid leaseTtlMs: 3000000000 (expected at most 2147483647 ms, Node's timer limit (about 24.8 days))",
    ],
    [
      { heartbeatMs: 0 },
      'RedisCoordinator: invalid heartbeatMs: 0 (expected a number of ms > 0 and <= leaseTtlMs / 3 (3333))',
    ],
    [
      { leaseTtlMs: 5_000, heartbeatMs: 5_000 },
      'RedisCoordinator: invalid heartbeatMs: 5000 (expected a number of ms > 0 and <= leaseTtlMs / 3 (1666))',
    ],
    // Two heartbeats must fit in a member's expiry (leaseTtlMs − heartbeatMs).
    [
      { leaseTtlMs: 3_000, heartbeatMs: 1_500 },
      'RedisCoordinator: invalid heartbeatMs: 1500 (expected a number of ms > 0 and <= leaseTtlMs / 3 (1000))',
    ],
    [
      { replicaId: '' },
      'RedisCoordinator: invalid replicaId: "" (expected a non-empty string)',
    ],
  ])('should reject the options %p', (overrides, message) => {
    const build = () =>
      new RedisCoordinator({ client: idle, ...overrides } as never);
    expect(build).toThrow(AioClockError);
    expect(build).toThrow(message);
  });
});

describeWithRedis('RedisCoordinator against a real Redis', () => {
  const prefix = `aioclock-test-${randomBytes(4).toString('hex')}`;
  const clients: Redis[] = [];
  let admin: Redis;
  let a: RedisCoordinator;
  let b: RedisCoordinator;

  const client = (url = REDIS_URL, options: RedisOptions = {}): Redis => {
    const created = new Redis(url, { maxRetriesPerRequest: 1, ...options });
    created.on('error', () => undefined); // reconnect errors are expected where Redis is absent
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    admin = client();
    await admin.ping();
    a = new RedisCoordinator({
      client: client(),
      keyPrefix: prefix,
      replicaId: 'replica-a',
    });
    b = new RedisCoordinator({
      client: client(),
      keyPrefix: prefix,
      replicaId: 'replica-b',
    });
  });

  afterAll(async () => {
    if (admin?.status === 'ready') {
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length) await admin.del(...keys);
    }
    // ioredis arms a 2 s 'disconnectTimeout' timer when disconnecting a closed stream: skip ended clients.
    for (const created of clients)
      if (created.status !== 'end') created.disconnect();
  });

  it('should let exactly one of two replicas win each due run they race for', async () => {
    const base = 1_700_000_000_000;
    for (let i = 0; i < 200; i++) {
      const dueAt = base + i * 1_000;
      const [first, second] =
        i % 2 === 0
          ? await Promise.all([
              a.claim('Race.task', dueAt, 1_000),
              b.claim('Race.task', dueAt, 1_000),
            ])
          : await Promise.all([
              b.claim('Race.task', dueAt, 1_000),
              a.claim('Race.task', dueAt, 1_000),
            ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      const holder = await admin.get(a.claimKey('Race.task', dueAt));
      expect(holder).toBe((i % 2 === 0) === first ? 'replica-a' : 'replica-b');
    }
  });

  it('should grant different due times of one task independently', async () => {
    await expect(a.claim('Twice.task', 10_000, 1_000)).resolves.toBe(true);
    await expect(b.claim('Twice.task', 11_000, 1_000)).resolves.toBe(true);
    await expect(b.claim('Other.task', 10_000, 1_000)).resolves.toBe(true);
  });

  it('should refuse a second claim of the same due time, even by the replica that holds it', async () => {
    await expect(a.claim('Late.timer', 20_000, 1_000)).resolves.toBe(true);
    await expect(a.claim('Late.timer', 20_000, 1_000)).resolves.toBe(false);
    await expect(b.claim('Late.timer', 20_000, 1_000)).resolves.toBe(false);
  });

  it('should store the claim under the hash-tagged key with an expiry of about twice the period', async () => {
    await a.claim('Ttl.{braced}', 30_000, 10 * 60_000);
    const key = `${prefix}:{Ttl.%7Bbraced%7D}:30000`;
    expect(await admin.get(key)).toBe('replica-a');
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(20 * 60_000 - 10_000);
    expect(ttl).toBeLessThanOrEqual(20 * 60_000);

    await a.claim('Ttl.short', 30_000, 1_000);
    const short = await admin.pttl(a.claimKey('Ttl.short', 30_000));
    expect(short).toBeGreaterThan(60_000 - 10_000);
    expect(short).toBeLessThanOrEqual(60_000);

    await a.claim('Ttl.long', 30_000, 30 * 86_400_000);
    const long = await admin.pttl(a.claimKey('Ttl.long', 30_000));
    expect(long).toBeGreaterThan(86_400_000 - 10_000);
    expect(long).toBeLessThanOrEqual(86_400_000);
  });

  it('should never delete a claim when asked to release the lease of the same task', async () => {
    await a.claim('Kept.task', 40_000, 1_000);
    await a.release('Kept.task');
    expect(await admin.exists(a.claimKey('Kept.task', 40_000))).toBe(1);
  });

  it('should give a lease to one replica, renew it for the holder and deny it to the other', async () => {
    const key = a.leaseKey('Loop.task');
    await expect(a.lease('Loop.task', 10_000)).resolves.toBe(true);
    expect(await admin.get(key)).toBe('replica-a');
    await expect(b.lease('Loop.task', 10_000)).resolves.toBe(false);

    await admin.pexpire(key, 1_000);
    await expect(a.lease('Loop.task', 10_000)).resolves.toBe(true);
    expect(await admin.pttl(key)).toBeGreaterThan(5_000);
    await expect(b.lease('Loop.task', 10_000)).resolves.toBe(false);
    expect(await admin.get(key)).toBe('replica-a');
  });

  it('should let another replica take the lease over once it expired', async () => {
    const key = a.leaseKey('Takeover.task');
    await expect(a.lease('Takeover.task', 10_000)).resolves.toBe(true);
    await admin.pexpire(key, 1);
    while ((await admin.exists(key)) === 1)
      await new Promise((resolve) => setTimeout(resolve, 2));
    await expect(b.lease('Takeover.task', 10_000)).resolves.toBe(true);
    await expect(a.lease('Takeover.task', 10_000)).resolves.toBe(false);
    expect(await admin.get(key)).toBe('replica-b');
  });

  it('should release a lease only for its holder', async () => {
    const key = a.leaseKey('Release.task');
    await expect(a.lease('Release.task', 10_000)).resolves.toBe(true);
    await b.release('Release.task');
    expect(await admin.get(key)).toBe('replica-a');
    await a.release('Release.task');
    expect(await admin.exists(key)).toBe(0);
    await expect(b.lease('Release.task', 10_000)).resolves.toBe(true);
  });

  it('should connect a lazyConnect client on its first claim', async () => {
    const lazy = new RedisCoordinator({
      client: client(REDIS_URL, { lazyConnect: true }),
      keyPrefix: prefix,
    });
    await expect(lazy.claim('Lazy.task', 50_000, 1_000)).resolves.toBe(true);
  });

  it('should clear the timeout of every call that Redis answers', async () => {
    // An unusual bound tells the coordinator's timers from anyone else's.
    const bound = 4_321;
    const timed = new RedisCoordinator({
      client: client(),
      keyPrefix: prefix,
      claimTimeoutMs: bound,
    });
    const armed: unknown[] = [];
    const cleared = new Set<unknown>();
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    const clearTimeoutSpy = jest.spyOn(global, 'clearTimeout');
    try {
      await timed.claim('Timers.task', 60_000, 1_000);
      await timed.claim('Timers.task', 60_000, 1_000);
      await timed.lease('Timers.task', 10_000);
      await timed.release('Timers.task');
      setTimeoutSpy.mock.calls.forEach(([, delay], index) => {
        if (delay === bound)
          armed.push(setTimeoutSpy.mock.results[index].value);
      });
      for (const [handle] of clearTimeoutSpy.mock.calls) cleared.add(handle);
    } finally {
      setTimeoutSpy.mockRestore();
      clearTimeoutSpy.mockRestore();
    }
    expect(armed).toHaveLength(4);
    expect(armed.filter((handle) => !cleared.has(handle))).toEqual([]);
  });

  it('should reject within the bound, naming the cause, when Redis cannot be reached', async () => {
    const port = await freePort();
    const down = new RedisCoordinator({
      client: client(`redis://127.0.0.1:${port}`, { disconnectTimeout: 10 }),
      keyPrefix: prefix,
      claimTimeoutMs: 300,
    });
    const started = Date.now();
    const claim = down.claim('Down.task', 1_711_882_800_000, 1_000);
    await expect(claim).rejects.toThrow(AioClockError);
    await expect(claim).rejects.toThrow(
      /^Redis coordinator could not claim Down\.task due at 2024-03-31T11:00:00\.000Z: no answer within 300 ms \(connection (connecting|reconnecting|close)\)$/,
    );
    // Bounded: without its own timeout, ioredis would keep the command queued for many retries.
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(down.lease('Down.task', 1_000)).rejects.toThrow(
      /^Redis coordinator could not renew the lease of Down\.task: no answer within 300 ms/,
    );
    await expect(down.release('Down.task')).rejects.toThrow(
      /^Redis coordinator could not release the lease of Down\.task: no answer within 300 ms/,
    );
  });

  it('should reject when Redis stops answering, then claim again once it answers', async () => {
    const paused = new RedisCoordinator({
      client: client(),
      keyPrefix: prefix,
      claimTimeoutMs: 200,
    });
    await paused.claim('Paused.warmup', 1, 1_000); // connected and ready
    await admin.call('CLIENT', 'PAUSE', '600', 'ALL');
    await expect(paused.claim('Paused.task', 70_000, 1_000)).rejects.toThrow(
      'Redis coordinator could not claim Paused.task due at 1970-01-01T00:01:10.000Z: no answer within 200 ms (connection ready)',
    );
    // Commands wait for the pause to end; this one is answered afterwards.
    await expect(paused.claim('Paused.task', 71_000, 1_000)).rejects.toThrow(
      /no answer within 200 ms/,
    );
    await admin.call('CLIENT', 'UNPAUSE');
    await expect(paused.claim('Paused.task', 72_000, 1_000)).resolves.toBe(
      true,
    );
  });

  it('should reject at once when the client was closed', async () => {
    const closed = client();
    await closed.ping();
    const ended = new Promise((resolve) => closed.once('end', resolve));
    await closed.quit();
    await ended;
    const coordinator = new RedisCoordinator({
      client: closed,
      keyPrefix: prefix,
    });
    await expect(coordinator.claim('Closed.task', 1, 1_000)).rejects.toThrow(
      'Redis coordinator could not claim Closed.task due at 1970-01-01T00:00:00.001Z: the Redis client is closed (quit() or disconnect() was called)',
    );
  });
});
