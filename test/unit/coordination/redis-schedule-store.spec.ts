import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisCoordinator } from '../../../lib/coordination/redis.coordinator';
import {
  REDIS_URL,
  describeWithRedis,
} from '../../src/replicas/redis-test-env';
import {
  describeScheduleStore,
  scheduleInput,
} from '../../src/schedules/schedule-store.conformance';

/** Two replicas' coordinators on one Redis, under a prefix of their own. */
function pair(): { a: RedisCoordinator; b: RedisCoordinator; end: () => void } {
  const keyPrefix = `spec-${randomBytes(6).toString('hex')}`;
  const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
  const [a, b] = clients.map(
    (client) => new RedisCoordinator({ client, keyPrefix }),
  );
  return { a, b, end: () => clients.forEach((c) => c.disconnect()) };
}

describeWithRedis('RedisScheduleStore', () => {
  describeScheduleStore(
    'Redis',
    async () => {
      const { a, b, end } = pair();
      // As in a started replica, both clients are connected.
      await Promise.all([
        a.schedules.get('warm-up'),
        b.schedules.get('warm-up'),
      ]);
      return {
        store: a.schedules,
        peer: b.schedules,
        dispose: () => Promise.resolve(end()),
      };
    },
    // A subscriber connects, subscribes and replays: room for a loaded machine.
    { watchWithinMs: 10_000 },
  );

  it('should replay to a watcher the changes made while its subscriber was disconnected', async () => {
    const { a, b, end } = pair();
    const admin = new Redis(REDIS_URL);
    try {
      // Connected first: this test is about the reconnect, not a cold start.
      await Promise.all([a.schedules.get('w'), b.schedules.get('w')]);
      const heard: string[] = [];
      const stop = b.schedules.watch((id) => heard.push(id));
      await a.schedules.upsert(scheduleInput('before'));
      await until(() => heard.includes('before'));
      // Kill every subscriber connection, then change while it reconnects.
      await admin.client('KILL', 'TYPE', 'pubsub');
      await a.schedules.upsert(scheduleInput('during'));
      await a.schedules.remove('before');
      await until(() => heard.includes('during'));
      await until(() => heard.filter((id) => id === 'before').length === 2);
      stop();
    } finally {
      admin.disconnect();
      end();
    }
  });

  it('should find, within a heartbeat, a change whose notice was lost while its subscription looked live', async () => {
    const keyPrefix = `spec-${randomBytes(6).toString('hex')}`;
    const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    // b's subscriber connection, kept to cut it without a reconnect.
    const subscribers: Redis[] = [];
    const duplicate = clients[1].duplicate.bind(clients[1]);
    clients[1].duplicate = (...args: Parameters<Redis['duplicate']>) => {
      const subscriber = duplicate(...args);
      subscribers.push(subscriber);
      return subscriber;
    };
    const [a, b] = clients.map(
      (client) => new RedisCoordinator({ client, keyPrefix, heartbeatMs: 300 }),
    );
    try {
      await Promise.all([a.schedules.get('w'), b.schedules.get('w')]);
      const heard: string[] = [];
      const stop = b.schedules.watch((id) => heard.push(id));
      await a.schedules.upsert(scheduleInput('before'));
      await until(() => heard.includes('before'));
      // A half-open connection or a quiet session: no message, no reconnect.
      await subscribers[0].unsubscribe(b.schedules.channel);
      await a.schedules.upsert(scheduleInput('during'));
      await a.schedules.remove('before');
      await until(() => heard.includes('during'));
      await until(() => heard.filter((id) => id === 'before').length === 2);
      expect(subscribers).toHaveLength(1);
      stop();
    } finally {
      [...clients, ...subscribers].forEach((client) => client.disconnect());
    }
  });

  it('should keep one field per schedule and index it by id and handler', async () => {
    const { a, end } = pair();
    const admin = new Redis(REDIS_URL);
    try {
      const store = a.schedules;
      await store.upsert(scheduleInput('c-1'));
      await store.upsert(scheduleInput('c-1', { handler: 'Bills.send' }));
      expect(await admin.hlen(store.dataKey)).toBe(1);
      expect(await admin.zrange(store.idsKey, 0, -1)).toEqual(['c-1']);
      expect(await admin.zcard(store.handlerKey('Reports.send'))).toBe(0);
      expect(await admin.zrange(store.handlerKey('Bills.send'), 0, -1)).toEqual(
        ['c-1'],
      );
      // Its task's state and history go with it (names come and go).
      const at = Date.UTC(2026, 0, 1);
      a.recordRun('schedule:c-1', at, at, at + 5, 'failed', 'boom');
      const taskKeys = await (async () => {
        for (let i = 0; i < 200; i++) {
          const found = await admin.keys(`${a.keyPrefix}:{schedule:c-1}:*`);
          if (found.length >= 2) return found.sort();
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return [];
      })();
      expect(taskKeys).toEqual([
        `${a.keyPrefix}:{schedule:c-1}:history`,
        `${a.keyPrefix}:{schedule:c-1}:state`,
      ]);
      // And a pause by its pauseOnFailure: the id made again starts afresh.
      const paused = `${a.keyPrefix}:{members}:paused`;
      await admin.hset(paused, 'schedule:c-1', 'failed', 'other', 'kept');
      await store.remove('c-1');
      expect(await admin.keys(`${a.keyPrefix}:{schedule:c-1}:*`)).toEqual([]);
      expect(await admin.hgetall(paused)).toEqual({ other: 'kept' });
      expect(await admin.hlen(store.dataKey)).toBe(0);
      expect(await admin.zcard(store.idsKey)).toBe(0);
      expect(await admin.zcard(store.handlerKey('Bills.send'))).toBe(0);
    } finally {
      admin.disconnect();
      end();
    }
  });
});

async function until(condition: () => boolean, withinMs = 10_000) {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
