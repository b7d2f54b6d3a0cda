import { randomBytes } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import Redis from 'ioredis';
import { Pool } from 'pg';
import {
  AioClockModule,
  AioClockRegistry,
  PostgresCoordinator,
  RedisCoordinator,
  type Coordinator,
  type ScheduleInfo,
} from '../../../lib';
import { CaptureLogger } from '../../src/capture-logger';
import {
  DATABASE_URL,
  describeWithPostgres,
  postgresSchemaOf,
} from '../../src/postgres/postgres-test-env';
import {
  describeWithRedis,
  REDIS_URL,
} from '../../src/replicas/redis-test-env';
import {
  type HandledRun,
  ReportMailer,
  ReportsModule,
} from '../../src/schedules/schedules.fixtures';

// A restart keeps every durable schedule (issue 15): two apps upsert
// schedules on a durable store (a paused one and one whose handler nobody
// declares among them), every app and connection is closed, two new ones
// start on the same key prefix or schema: they list every schedule unchanged
// and fire it again, each due time once.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A durable backend: a coordinator per replica, on a connection of its own. */
interface Backend {
  name: string;
  describe: (name: string, body: () => void) => void;
  /** A new replica's coordinator and how to close its connection. */
  coordinator(
    namespace: string,
    replicaId: string,
  ): { coordinator: Coordinator; close: () => Promise<unknown> };
  cleanup(namespace: string): Promise<void>;
}

const BACKENDS: Backend[] = [
  {
    name: 'Redis',
    describe: describeWithRedis,
    coordinator(namespace, replicaId) {
      const client = new Redis(REDIS_URL);
      const coordinator = new RedisCoordinator({
        client,
        keyPrefix: namespace,
        replicaId,
        leaseTtlMs: 3_000,
      });
      return { coordinator, close: () => client.quit() };
    },
    async cleanup(namespace) {
      const admin = new Redis(REDIS_URL);
      const keys = await admin.keys(`${namespace}*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    },
  },
  {
    name: 'PostgreSQL',
    describe: describeWithPostgres,
    coordinator(namespace, replicaId) {
      const pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
      const coordinator = new PostgresCoordinator({
        pool,
        schema: postgresSchemaOf(namespace),
        replicaId,
        leaseTtlMs: 3_000,
      });
      return { coordinator, close: () => pool.end() };
    },
    async cleanup(namespace) {
      const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
      await pool.query(
        `DROP SCHEMA IF EXISTS ${postgresSchemaOf(namespace)} CASCADE`,
      );
      await pool.end();
    },
  },
];

/** What a restart must keep of a schedule. */
function stored(info: ScheduleInfo) {
  return {
    id: info.id,
    handler: info.handler,
    trigger: info.trigger,
    payload: info.payload,
    startAt: info.startAt,
    endAt: info.endAt,
    enabled: info.enabled,
    paused: info.paused,
    revision: info.revision,
    updatedAt: info.updatedAt,
    timeout: info.timeout,
  };
}

for (const backend of BACKENDS)
  backend.describe(
    `durable schedules across a restart (${backend.name})`,
    () => {
      const running: { app: TestingModule; close: () => Promise<unknown> }[] =
        [];
      let namespace: string;

      beforeEach(() => {
        namespace = `aioclock_restart_${randomBytes(4).toString('hex')}`;
      });

      async function stopAll(): Promise<void> {
        for (const { app, close } of running.splice(0)) {
          await app.close();
          await close();
        }
      }

      afterEach(async () => {
        await stopAll();
        await backend.cleanup(namespace);
      });

      async function replica(id: string) {
        const { coordinator, close } = backend.coordinator(namespace, id);
        const app = await Test.createTestingModule({
          imports: [
            AioClockModule.forRoot({ timeZone: 'UTC', coordinator }),
            ReportsModule,
          ],
        })
          .setLogger(new CaptureLogger())
          .compile();
        await app.init();
        running.push({ app, close });
        return {
          registry: app.get(AioClockRegistry),
          sent: app.get(ReportMailer).sent,
        };
      }

      async function listAll(registry: AioClockRegistry) {
        const items: ScheduleInfo[] = [];
        let cursor: string | null = null;
        do {
          const page = await registry.listSchedules({ cursor, limit: 7 });
          items.push(...page.items);
          cursor = page.cursor;
        } while (cursor !== null);
        return items;
      }

      it('should list every schedule unchanged after all replicas restart, and fire each due time once', async () => {
        const a = await replica('replica-a');
        const b = await replica('replica-b');
        const ids = Array.from({ length: 20 }, (_, i) => `c-${i}`);
        for (const id of ids)
          await a.registry.upsertSchedule({
            id,
            handler: 'reports.send',
            trigger: { type: 'every', seconds: 1 },
            payload: { customer: id, tags: ['a', { n: 1 }] },
            timeout: 5_000,
          });
        // A second revision, so an unchanged revision is not just 1.
        await b.registry.upsertSchedule({
          id: 'c-3',
          handler: 'reports.send',
          trigger: { type: 'cron', cron: '* * * * * *', tz: 'Asia/Kathmandu' },
          payload: { customer: 'c-3', changed: true },
        });
        await a.registry.upsertSchedule({
          id: 'paused',
          handler: 'reports.send',
          trigger: { type: 'every', seconds: 1 },
        });
        await a.registry.pauseSchedule('paused');
        await a.registry.upsertSchedule({
          id: 'orphan',
          handler: 'nobody.handles',
          trigger: { type: 'every', seconds: 1 },
          payload: { kept: true },
        });
        await sleep(1_500);
        const before = (await listAll(a.registry)).map(stored);
        expect(before).toHaveLength(ids.length + 2);
        await stopAll();

        const c = await replica('replica-c');
        const d = await replica('replica-d');
        const after = await listAll(d.registry);
        expect(after.map(stored)).toEqual(before);
        expect(after.find((info) => info.id === 'c-3')!.revision).toBe(2);
        expect(after.find((info) => info.id === 'orphan')!.noHandler).toBe(
          true,
        );

        // Both members have declared the schedules within a heartbeat or two.
        await sleep(1_500);
        const from = Math.ceil(Date.now() / 1_000) * 1_000;
        const to = from + 2_000;
        await sleep(to + 1_000 - Date.now());
        const runs = new Map<string, number>();
        const inWindow = (run: HandledRun) =>
          Date.parse(run.scheduledAt) >= from &&
          Date.parse(run.scheduledAt) <= to;
        for (const run of [...c.sent, ...d.sent].filter(inWindow)) {
          const key = `${run.task}@${run.scheduledAt}`;
          runs.set(key, (runs.get(key) ?? 0) + 1);
        }
        const wrong: string[] = [];
        for (const id of ids)
          for (let due = from; due <= to; due += 1_000) {
            const key = `schedule:${id}@${new Date(due).toISOString()}`;
            if (runs.get(key) !== 1)
              wrong.push(`${key}: ${runs.get(key) ?? 0}`);
          }
        expect(wrong).toEqual([]);
        const c3 = [...c.sent, ...d.sent].find(
          (run) => run.task === 'schedule:c-3',
        );
        expect(c3?.payload).toEqual({ customer: 'c-3', changed: true });
        expect(
          [...c.sent, ...d.sent].filter(
            (run) => run.task === 'schedule:paused',
          ),
        ).toEqual([]);
      }, 60_000);
    },
  );
