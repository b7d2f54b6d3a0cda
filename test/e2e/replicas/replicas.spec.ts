import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import {
  coordinatorRecovered,
  coordinatorUnavailable,
} from '../../../lib/aioclock.messages';
import {
  RedisServerProcess,
  redisServerMissing,
} from '../../src/replicas/redis-server';
import { ReplicaBuild } from '../../src/replicas/replica-build';
import { ReplicaProcess } from '../../src/replicas/replica-process';
import {
  REDIS_URL,
  describeIfAvailable,
  describeWithRedis,
} from '../../src/replicas/redis-test-env';
import {
  deleteNamespace,
  notExactlyOnce,
  ranTwice,
  readForeverRuns,
  readLedger,
} from '../../src/replicas/run-ledger';

// Real processes, real Redis, real time: the one place where the suite waits
// on the wall clock. Three replicas run the same app (test/src/replicas):
// `every` each second and `cron` every even second, both counted per due time
// in Redis by the runs themselves, and a `@Forever` task under a lease.

const LEASE_TTL_MS = 3_000;
// What the scheduler logs when the coordinator fails, and when it answers again.
const UNAVAILABLE = coordinatorUnavailable(new Error('<cause>')).split(
  '<cause>',
)[0];
const RECOVERED = coordinatorRecovered();
// Margins around a window's edges: a due time this close to a replica start,
// a kill or a stop may legitimately belong to the edge.
const EDGE_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Waits until `ms` past a whole second: between two due times, never at one.
const untilSecondFraction = (ms: number) =>
  sleep((ms - (Date.now() % 1_000) + 1_000) % 1_000);

let build: ReplicaBuild | undefined;

beforeAll(() => {
  build = ReplicaBuild.create();
});

afterAll(() => build?.dispose());

function startReplicas(url: string, namespace: string): ReplicaProcess[] {
  return ['replica-a', 'replica-b', 'replica-c'].map(
    (id) =>
      new ReplicaProcess(build!, id, {
        REDIS_URL: url,
        REPLICA_NAMESPACE: namespace,
        REPLICA_LEASE_TTL_MS: String(LEASE_TTL_MS),
      }),
  );
}

async function whenAllReady(replicas: ReplicaProcess[]): Promise<number> {
  await Promise.all(replicas.map((replica) => replica.whenReady()));
  return Math.max(...replicas.map((replica) => replica.readyAt!));
}

function newNamespace(): string {
  return `aioclock-e2e-${randomBytes(4).toString('hex')}`;
}

describeWithRedis('Replicas sharing one Redis', () => {
  const namespace = newNamespace();
  let admin: Redis;
  let replicas: ReplicaProcess[] = [];

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.kill()));
    if (admin) {
      await deleteNamespace(admin, namespace).catch(() => undefined);
      admin.disconnect();
    }
  });

  it('should run every due time exactly once across three replicas, through a SIGKILL, and move @Forever', async () => {
    replicas = startReplicas(REDIS_URL, namespace);
    const from = await whenAllReady(replicas);

    // Mid-way, between two due times, kill whichever replica holds the @Forever lease.
    await sleep(4_000);
    await untilSecondFraction(500);
    const holderId = await admin.get(`${namespace}:{forever}:lease`);
    const holder = replicas.find((replica) => replica.replicaId === holderId);
    expect(holder).toBeDefined();
    const killedAt = Date.now();
    await holder!.kill();

    // Long enough for the lease to expire and be taken over.
    await sleep(2 * LEASE_TTL_MS + 500);
    const to = Date.now();
    const survivors = replicas.filter((replica) => replica !== holder);
    await Promise.all(survivors.map((replica) => replica.stop()));

    expect(to - from).toBeGreaterThanOrEqual(8_000);
    for (const replica of survivors)
      expect(replica.exit).toEqual({ code: 0, signal: null, expected: true });

    const ledger = await readLedger(admin, namespace);
    expect(ranTwice(ledger)).toEqual([]);
    // Before the kill (the due time just before it may have died with its replica) ...
    expect(
      notExactlyOnce(
        ledger,
        'every',
        1_000,
        from + EDGE_MS,
        killedAt - EDGE_MS,
      ),
    ).toEqual([]);
    expect(
      notExactlyOnce(ledger, 'cron', 2_000, from + EDGE_MS, killedAt - EDGE_MS),
    ).toEqual([]);
    // ... and once the dead member expired (leaseTtlMs), the survivors own
    // its tasks: they miss nothing and double nothing. Until then, the due
    // times of the tasks it owned may be missed (the guarantees table).
    const takenOver = killedAt + LEASE_TTL_MS + EDGE_MS;
    expect(
      notExactlyOnce(ledger, 'every', 1_000, takenOver, to - EDGE_MS),
    ).toEqual([]);
    expect(
      notExactlyOnce(ledger, 'cron', 2_000, takenOver, to - EDGE_MS),
    ).toEqual([]);

    // @Forever ran on one replica at a time: the killed holder, then one survivor.
    const forever = await readForeverRuns(admin, namespace);
    const sequence = forever
      .map((run) => run.replicaId)
      .filter((id, index, ids) => index === 0 || ids[index - 1] !== id);
    expect(sequence).toHaveLength(2);
    expect(sequence[0]).toBe(holderId);
    expect(survivors.map((replica) => replica.replicaId)).toContain(
      sequence[1],
    );
    expect(
      forever
        .filter((run) => run.at > killedAt + 200)
        .every((run) => run.replicaId === sequence[1]),
    ).toBe(true);
  }, 90_000);
});

describeIfAvailable(
  'Replicas when Redis stops and starts again',
  redisServerMissing(),
  'the redis-server binary',
  'install the redis-server package (or set REDIS_SERVER_BIN)',
  () => {
    const namespace = newNamespace();
    let server: RedisServerProcess;
    let replicas: ReplicaProcess[] = [];

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.kill()));
      await server?.dispose();
    });

    it('should keep every replica alive, report the failures once per outage and resume exactly once', async () => {
      server = await RedisServerProcess.start();
      replicas = startReplicas(server.url, namespace);
      const from = await whenAllReady(replicas);

      await sleep(3_000);
      await untilSecondFraction(500);
      const downAt = Date.now();
      await server.halt();
      await sleep(3_000);
      await server.resume();
      const upAt = Date.now();
      await sleep(5_000);
      const to = Date.now();

      // Nobody crashed while Redis was away.
      for (const replica of replicas) expect(replica.exit).toBeNull();
      await Promise.all(replicas.map((replica) => replica.stop()));
      for (const replica of replicas)
        expect(replica.exit).toEqual({ code: 0, signal: null, expected: true });

      // Each due run during the outage was reported failed by the replica
      // owning its task (the others fire nothing), naming the cause ...
      const failures = replicas.flatMap((replica) => replica.failures);
      for (const task of ['every', 'cron'])
        expect(
          failures.filter((failure) => failure.name === task).length,
        ).toBeGreaterThanOrEqual(1);
      for (const replica of replicas) {
        const claims = replica.failures.filter(
          (failure) => failure.name === 'every' || failure.name === 'cron',
        );
        for (const failure of claims)
          expect(failure.error).toMatch(
            /^Redis coordinator could not claim (every|cron) due at /,
          );
        if (claims.length < 2) continue;
        // ... but logged once per outage, not once per run, and the recovery too.
        expect(replica.count(UNAVAILABLE)).toBeGreaterThanOrEqual(1);
        expect(replica.count(UNAVAILABLE)).toBeLessThan(claims.length);
        expect(replica.count(RECOVERED)).toBeGreaterThanOrEqual(1);
      }

      const admin = new Redis(server.url);
      try {
        const ledger = await readLedger(admin, namespace);
        expect(ranTwice(ledger)).toEqual([]);
        expect(
          notExactlyOnce(
            ledger,
            'every',
            1_000,
            from + EDGE_MS,
            downAt - EDGE_MS,
          ),
        ).toEqual([]);
        expect(
          notExactlyOnce(
            ledger,
            'cron',
            2_000,
            from + EDGE_MS,
            downAt - EDGE_MS,
          ),
        ).toEqual([]);
        expect(
          notExactlyOnce(ledger, 'every', 1_000, upAt + EDGE_MS, to - EDGE_MS),
        ).toEqual([]);
        expect(
          notExactlyOnce(ledger, 'cron', 2_000, upAt + EDGE_MS, to - EDGE_MS),
        ).toEqual([]);
      } finally {
        admin.disconnect();
      }
    }, 90_000);
  },
);
