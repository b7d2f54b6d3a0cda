import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { ClusterListener } from '../../../lib/coordination/coordinator.interface';
import { redisChannel } from '../../../lib/coordination/redis-channels';
import { RedisCoordinator } from '../../../lib/coordination/redis.coordinator';
import { scheduleInput } from '../../src/schedules/schedule-store.conformance';
import {
  REDIS_URL,
  describeWithRedis,
} from '../../src/replicas/redis-test-env';

// Redis pub/sub ignores database numbers: two apps on one server with the
// same keyPrefix in different databases must still not hear each other's
// signals or schedule changes, while the replicas of one app hear each other.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(10);
  expect(done()).toBe(true);
}

describe('redisChannel', () => {
  it("should add the client's database number to the name, but for database 0 and a Cluster", () => {
    const lazy = { lazyConnect: true };
    const clients = [
      new Redis('redis://127.0.0.1:1/3', lazy),
      new Redis({ ...lazy, db: 12 }),
      new Redis(lazy),
      new Redis.Cluster([{ host: '127.0.0.1', port: 1 }], lazy),
    ];
    expect(
      clients.map((client) => redisChannel(client, 'p:{members}:changed')),
    ).toEqual([
      'p:{members}:changed:db3',
      'p:{members}:changed:db12',
      'p:{members}:changed',
      'p:{members}:changed',
    ]);
    clients.forEach((client) => client.disconnect());
  });
});

describeWithRedis('Redis channels per database', () => {
  const keyPrefix = `spec-db-${randomBytes(6).toString('hex')}`;
  const clients: Redis[] = [];
  const coordinators: RedisCoordinator[] = [];
  /** Ends the schedule watches. */
  const stops: (() => void)[] = [];

  /** A replica of the app in database `db`, joined, whose cancels land in `cancels`. */
  async function replica(db: number, replicaId: string, cancels: string[]) {
    const client = new Redis(REDIS_URL, { db });
    clients.push(client);
    const coordinator = new RedisCoordinator({
      client,
      keyPrefix,
      replicaId,
      heartbeatMs: 1_000,
    });
    coordinators.push(coordinator);
    const listener: ClusterListener = {
      cancelRequested: (task) => cancels.push(task),
      pauseChanged: () => undefined,
      runEndedElsewhere: () => undefined,
    };
    await coordinator.join([{ name: 'Jobs.x', maxLoopCount: null }]);
    coordinator.watch(listener);
    return coordinator;
  }

  afterAll(async () => {
    stops.forEach((stop) => stop());
    for (const coordinator of coordinators) {
      coordinator.watch(null);
      await coordinator.leave();
    }
    for (const db of [0, 1]) {
      const admin = new Redis(REDIS_URL, { db });
      const keys = await admin.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    }
    clients.forEach((client) => client.disconnect());
  });

  it("should keep one database's cluster signals from the app in another", async () => {
    const heard = { a: [] as string[], a2: [] as string[], b: [] as string[] };
    const a = await replica(0, 'a', heard.a);
    const a2 = await replica(0, 'a2', heard.a2);
    const b = await replica(1, 'b', heard.b);
    // The app in database 0 cancels: its other replica hears it.
    a.requestCancel('Jobs.x');
    await until(() => heard.a2.includes('Jobs.x'));
    // Then the app in database 1 does: its replica would have heard the
    // first app's cancel before its own, on the same connection.
    b.requestCancel('Jobs.y');
    await until(() => heard.b.includes('Jobs.y'));
    expect(heard.b).toEqual(['Jobs.y']);
    a2.requestCancel('Jobs.z');
    await until(() => heard.a.includes('Jobs.z'));
    expect(heard.a).toEqual(['Jobs.x', 'Jobs.z']);
  });

  it("should keep one database's schedule changes from the app in another", async () => {
    const a = await replica(0, 'sa', []);
    const a2 = await replica(0, 'sa2', []);
    const b = await replica(1, 'sb', []);
    const b2 = await replica(1, 'sb2', []);
    const changes = { a: [] as string[], b: [] as string[] };
    await Promise.all([a.schedules.get('w'), b.schedules.get('w')]);
    stops.push(
      a.schedules.watch((id) => changes.a.push(id)),
      b.schedules.watch((id) => changes.b.push(id)),
    );
    // Both watchers subscribed: each hears a change of its own app.
    await a2.schedules.upsert(scheduleInput('warm-up-0'));
    await b2.schedules.upsert(scheduleInput('warm-up-1'));
    await until(
      () => changes.a.includes('warm-up-0') && changes.b.includes('warm-up-1'),
    );
    // The app in database 0 changes a schedule, then the one in database 1:
    // b would have heard the first change before its own app's.
    await a2.schedules.upsert(scheduleInput('in-db0'));
    await until(() => changes.a.includes('in-db0'));
    await b2.schedules.upsert(scheduleInput('in-db1'));
    await until(() => changes.b.includes('in-db1'));
    expect(changes.b).toEqual(['warm-up-1', 'in-db1']);
    await a2.schedules.upsert(scheduleInput('in-db0-again'));
    await until(() => changes.a.includes('in-db0-again'));
    expect(changes.a).toEqual(['warm-up-0', 'in-db0', 'in-db0-again']);
  });
});
