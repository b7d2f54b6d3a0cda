import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Pool } from 'pg';
import {
  PostgresCoordinator,
  RedisCoordinator,
  type ScheduleStore,
} from '../../../lib';
import type { ScheduleInput } from '../../../lib/coordination/schedule-store.interface';
import {
  CLUSTER_BACKENDS,
  type ClusterBackend,
} from '../../src/replicas/cluster-backends';
import { postgresSchemaOf } from '../../src/replicas/postgres-schema-of';
import { ReplicaBuild } from '../../src/replicas/replica-build';
import { ReplicaProcess } from '../../src/replicas/replica-process';
import { REDIS_URL } from '../../src/replicas/redis-test-env';
import {
  deleteNamespace,
  notExactlyOnce,
  readLedger,
} from '../../src/replicas/run-ledger';
import {
  SCHEDULE_ZONES,
  ZONE_HANDLER,
} from '../../src/replicas/zone-schedules.tasks';
import { DATABASE_URL } from '../../src/postgres/postgres-test-env';

// Issue 15 at scale, with real processes on each durable backend: 3 replicas,
// 3 000 durable schedules due every minute (cron `* * * * *`) in zones with
// whole, half- and quarter-hour offsets. All three replicas read a clock
// offset (computed here) that puts a minute boundary a few seconds after they
// have loaded the schedules, so one boundary is checked without waiting
// minutes: each schedule runs exactly once there, across the cluster, and the
// replicas' shares are within 1.2×. Meanwhile 30 schedules due every second
// are removed: no replica runs them again.

const LEASE_TTL_MS = 3_000;
const ZONE_SCHEDULES = 3_000;
const GONE_SCHEDULES = 30;
// From the start of the replicas to the minute boundary: they boot and load
// the schedules meanwhile (a loaded 2-core runner takes ~10 s for three).
const BOOT_BUDGET_MS = 30_000;
// After the boundary: 3 000 runs recorded by three processes.
const RUNS_GRACE_MS = 10_000;
// A due time this close to the removal may have been fired before the notice came.
const EDGE_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const zoneId = (i: number) => `zone-${String(i).padStart(4, '0')}`;
const goneId = (i: number) => `gone-${String(i).padStart(2, '0')}`;

function input(id: string, trigger: ScheduleInput['trigger']): ScheduleInput {
  return {
    id,
    handler: ZONE_HANDLER,
    trigger,
    payload: { customer: id },
    options: {},
    startAt: null,
    endAt: null,
    enabled: true,
  };
}

/** The backend's schedule store as this (parent) process writes it, as an app would. */
function parentStore(
  backend: ClusterBackend,
  namespace: string,
): { store: ScheduleStore; close: () => Promise<unknown> } {
  if (backend.name === 'PostgreSQL') {
    const pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
    const coordinator = new PostgresCoordinator({
      pool,
      schema: postgresSchemaOf(namespace),
      // Setup, not under test: 100 upserts queue for 4 connections on a loaded machine.
      claimTimeoutMs: 30_000,
      leaseTtlMs: 60_000,
    });
    return { store: coordinator.schedules, close: () => pool.end() };
  }
  const client = new Redis(REDIS_URL);
  const coordinator = new RedisCoordinator({
    client,
    keyPrefix: namespace,
    claimTimeoutMs: 30_000,
    leaseTtlMs: 60_000,
  });
  return { store: coordinator.schedules, close: () => client.quit() };
}

let build: ReplicaBuild | undefined;

beforeAll(() => {
  build = ReplicaBuild.create();
});

afterAll(() => build?.dispose());

for (const backend of CLUSTER_BACKENDS)
  backend.describe(`durable schedules at scale (${backend.name})`, () => {
    const admin = new Redis(REDIS_URL, { lazyConnect: true });
    const replicas: ReplicaProcess[] = [];
    let namespace: string;

    beforeEach(() => {
      namespace = `aioclock-sched-scale:${randomBytes(4).toString('hex')}`;
    });

    afterEach(async () => {
      await Promise.all(replicas.splice(0).map((replica) => replica.kill()));
      await deleteNamespace(admin, namespace);
      await backend.cleanup(namespace);
    });

    afterAll(() => admin.disconnect());

    it('should run 3 000 schedules due every minute in many zones once per due time across 3 replicas, and none removed', async () => {
      const { store, close } = parentStore(backend, namespace);
      try {
        const zones = Array.from({ length: ZONE_SCHEDULES }, (_, i) =>
          input(zoneId(i), {
            type: 'cron',
            cron: '* * * * *',
            tz: SCHEDULE_ZONES[i % SCHEDULE_ZONES.length],
          }),
        );
        const gone = Array.from({ length: GONE_SCHEDULES }, (_, i) =>
          input(goneId(i), { type: 'every', seconds: 1 }),
        );
        for (let i = 0; i < zones.length; i += 100)
          await Promise.all(
            zones.slice(i, i + 100).map((one) => store.upsert(one)),
          );
        await Promise.all(gone.map((one) => store.upsert(one)));

        // The replicas' clocks read a minute boundary BOOT_BUDGET_MS from now.
        const target = Date.now() + BOOT_BUDGET_MS;
        const offsetMs = Math.ceil(target / 60_000) * 60_000 - target;
        const boundary = target + offsetMs;
        for (const id of ['replica-1', 'replica-2', 'replica-3'])
          replicas.push(
            new ReplicaProcess(build!, id, {
              ...backend.env(),
              REDIS_URL,
              REPLICA_NAMESPACE: namespace,
              REPLICA_LEASE_TTL_MS: String(LEASE_TTL_MS),
              REPLICA_APP: 'schedules',
              REPLICA_CLOCK_OFFSET_MS: String(offsetMs),
            }),
          );
        await Promise.all(replicas.map((replica) => replica.whenReady()));
        const lastReady = Math.max(...replicas.map((r) => r.readyAt!));
        // The case's precondition, not a figure of the code: boot before the boundary.
        if (target - lastReady < 5_000)
          throw new Error(
            `the replicas took ${lastReady - target + BOOT_BUDGET_MS} ms to boot: no room before the boundary`,
          );

        // Ownership settles within a heartbeat or two; then the removal.
        await sleep(2_000);
        const settled = Date.now() + offsetMs;
        // Three seconds of runs to check, then the removals. They take a
        // while (20 in a row): a schedule removed before one of its due times
        // rightly skips it, so exactly once is checked up to a second before
        // the first removal, and never after the last.
        await sleep(3_000);
        const removing = Date.now() + offsetMs;
        for (const one of gone) await store.remove(one.id);
        const removed = Date.now() + offsetMs;

        await sleep(boundary - offsetMs + RUNS_GRACE_MS - Date.now());
        const ledger = await readLedger(admin, namespace);

        const wrong: string[] = [];
        const perReplica = new Map<string, number>();
        for (let i = 0; i < ZONE_SCHEDULES; i++) {
          const runs = ledger.get(`schedule:${zoneId(i)}`) ?? new Map();
          const ran = runs.get(boundary) ?? [];
          if (ran.length !== 1)
            wrong.push(`${zoneId(i)} @ boundary: ${ran.length} runs`);
          for (const replica of ran)
            perReplica.set(replica, (perReplica.get(replica) ?? 0) + 1);
          for (const due of runs.keys())
            if (due !== boundary)
              wrong.push(`${zoneId(i)} ran for ${new Date(due).toISOString()}`);
        }
        expect(wrong).toEqual([]);
        const shares = [...perReplica.values()];
        expect(shares).toHaveLength(3);
        expect(Math.max(...shares) / Math.min(...shares)).toBeLessThanOrEqual(
          1.2,
        );

        // Before their removal every second ran once; after it, never.
        const late: string[] = [];
        for (let i = 0; i < GONE_SCHEDULES; i++) {
          const task = `schedule:${goneId(i)}`;
          wrong.push(
            ...notExactlyOnce(ledger, task, 1_000, settled, removing - EDGE_MS),
          );
          for (const due of ledger.get(task)?.keys() ?? [])
            if (due > removed + EDGE_MS)
              late.push(`${task} @ ${new Date(due).toISOString()}`);
        }
        expect(wrong).toEqual([]);
        expect(late).toEqual([]);

        // Every replica reports the cluster's runs of a schedule, not its own.
        const infos = await Promise.all(
          replicas.map((replica) => replica.info(`schedule:${zoneId(7)}`)),
        );
        expect(infos.map((info) => info.runs)).toEqual([1, 1, 1]);
        for (const replica of replicas) expect(replica.failures).toEqual([]);
      } finally {
        await close();
      }
    }, 150_000);
  });
