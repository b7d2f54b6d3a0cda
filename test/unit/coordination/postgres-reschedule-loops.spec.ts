import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import type { PostgresCoordinatorPool } from '../../../lib/coordination/postgres/postgres-client.interface';
import {
  AioClockModule,
  AioClockRegistry,
  type TaskContext,
} from '../../../lib';
import { createTestApp } from '../../src/create-app';
import { PGliteDatabase, pgliteForSuite } from '../../src/postgres/pglite';
import {
  DATABASE_URL,
  describeWithPostgres,
} from '../../src/postgres/postgres-test-env';
import { eventually } from '../../src/replicas/redis-members';

// `reschedule` under the PostgreSQL coordinator, as on Redis
// (redis-reschedule-loops.spec.ts): in a single process the new trigger's
// maxLoopCount counts from zero (task-reschedule.ts); the cluster's count
// (task_state.loops) used to go on from the old trigger's runs. On PGlite
// and on the real PostgreSQL at DATABASE_URL.

/** Coordinators on one fresh schema of one database, standing for replicas. */
interface Store {
  /** A pool on the database (the store's own for PGlite). */
  pool(): PostgresCoordinatorPool;
  /** Reads the database in assertions. */
  query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  readonly schema: string;
  close(): Promise<void>;
}

const suite = (makeStore: () => Store) => () => {
  let store: Store;
  const members: PostgresCoordinator[] = [];

  beforeEach(() => {
    store = makeStore();
  });

  afterEach(async () => {
    await Promise.all(members.map((m) => m.leave()));
    members.length = 0;
    await store.close();
  });

  const member = (replicaId: string): PostgresCoordinator => {
    const coordinator = new PostgresCoordinator({
      pool: store.pool(),
      schema: store.schema,
      replicaId,
      leaseTtlMs: 5_000,
    });
    members.push(coordinator);
    return coordinator;
  };

  const stateOf = async (task: string) =>
    (
      await store.query(
        `SELECT runs::text, loops::text FROM ${store.schema}.task_state WHERE task = $1`,
        [task],
      )
    )[0];

  it("should count the new trigger's runs from zero across the cluster", async () => {
    const a = member('a');
    const b = member('b');
    const name = 'Reschedule.limited';
    // 'allow': no running mark, so only maxLoopCount decides here.
    const declared = { name, maxLoopCount: 2, overlap: 'allow' };
    await a.join([declared]);
    await b.join([declared]);
    await eventually(
      () => a.ownerOf(name) !== null && a.ownerOf(name) === b.ownerOf(name),
    );
    const owner = a.ownerOf(name) === 'a' ? a : b;
    expect(await owner.claim(name, 60_000, 60_000)).toBe(true);
    expect(await owner.claim(name, 120_000, 60_000)).toBe(true);
    // The cluster has made its 2 runs.
    expect(await owner.claim(name, 180_000, 60_000)).toBe(false);
    // Rescheduled at 200 000 on the owner (a new trigger, maxLoopCount 2).
    owner.declare([{ ...declared, loopsFrom: 200_000 }]);
    expect(await owner.claim(name, 240_000, 60_000)).toBe(true);
    expect(await owner.claim(name, 300_000, 60_000)).toBe(true);
    expect(await owner.claim(name, 360_000, 60_000)).toBe(false);
    // An old trigger's due time held to start later (before 200 000) runs
    // without counting, as a held run does in one process.
    expect(await owner.claim(name, 150_000, 60_000, true)).toBe(true);
    expect(await stateOf(name)).toEqual({ runs: '5', loops: '2' });
    // The other member (not rescheduled there) counts from the same start:
    // its claims neither restart the count nor go back to the old one.
    const other = owner === a ? b : a;
    expect(await other.claim(name, 420_000, 60_000, true)).toBe(false);
    expect(await stateOf(name)).toEqual({ runs: '5', loops: '2' });
  });

  it('should restart the count at each reschedule, and count from it in a generation begun since', async () => {
    const a = member('a');
    const name = 'Reschedule.twice';
    const declared = { name, maxLoopCount: 1, overlap: 'allow' };
    await a.join([declared]);
    await eventually(() => a.ownerOf(name) === 'a');
    expect(await a.claim(name, 60_000, 60_000)).toBe(true);
    expect(await a.claim(name, 120_000, 60_000)).toBe(false);
    a.declare([{ ...declared, loopsFrom: 130_000 }]);
    expect(await a.claim(name, 180_000, 60_000)).toBe(true);
    expect(await a.claim(name, 240_000, 60_000)).toBe(false);
    // The cluster starts again from no live member (a new generation, whose
    // count starts from zero), its replica with the task's first trigger: the
    // count still starts from the reschedule.
    await a.leave();
    const restarted = member('a2');
    await restarted.join([declared]);
    await eventually(() => restarted.ownerOf(name) === 'a2');
    expect(await restarted.claim(name, 100_000, 60_000, true)).toBe(true);
    expect(await restarted.claim(name, 300_000, 60_000)).toBe(true);
    expect(await restarted.claim(name, 360_000, 60_000)).toBe(false);
    // Rescheduled again: the count restarts again.
    restarted.declare([{ ...declared, loopsFrom: 370_000 }]);
    expect(await restarted.claim(name, 420_000, 60_000)).toBe(true);
    expect(await restarted.claim(name, 480_000, 60_000)).toBe(false);
    expect(await stateOf(name)).toEqual({ runs: '5', loops: '1' });
  });

  it('should run a rescheduled maxLoopCount again through the registry (one replica, VirtualClock)', async () => {
    const coordinator = member('app');
    const { app, clock } = await createTestApp(
      { imports: [AioClockModule.forRoot({ timeZone: 'UTC', coordinator })] },
      '2024-03-31T11:00:00Z',
    );
    try {
      const registry = app.get(AioClockRegistry);
      const runs: string[] = [];
      registry.addTask({
        name: 'Reports.limited',
        trigger: { type: 'every', minutes: 1, maxLoopCount: 2 },
        run: (ctx: TaskContext) => {
          runs.push(ctx.scheduledAt.toISOString().slice(11, 16));
        },
      });
      for (let i = 0; i < 3; i++) {
        await clock.advance(60_000);
        await eventually(() => runs.length >= Math.min(i + 1, 2));
      }
      await eventually(() => registry.getTask('Reports.limited').finished);
      registry.reschedule('Reports.limited', {
        type: 'every',
        minutes: 1,
        maxLoopCount: 2,
      });
      for (let i = 0; i < 3; i++) {
        await clock.advance(60_000);
        await eventually(() => runs.length >= Math.min(i + 3, 4));
      }
      await eventually(() => registry.getTask('Reports.limited').finished);
      expect(runs).toEqual(['11:01', '11:02', '11:04', '11:05']);
    } finally {
      await app.close();
    }
  });
};

describe('PostgresCoordinator on PGlite: reschedule restarts the maxLoopCount count', () => {
  let db: PGliteDatabase;
  let schemas = 0;

  pgliteForSuite((opened) => (db = opened));

  suite(() => ({
    schema: `reschedule_loops_${++schemas}`,
    pool: () => db,
    query: async (text, values) => (await db.query(text, values)).rows,
    close: () => Promise.resolve(),
  }))();
});

describeWithPostgres(
  'PostgresCoordinator: reschedule restarts the maxLoopCount count',
  suite(() => {
    const schema = `reschedule_loops_${randomBytes(4).toString('hex')}`;
    const pools: Pool[] = [];
    const pool = () => {
      const made = new Pool({ connectionString: DATABASE_URL, max: 4 });
      made.on('error', () => undefined);
      pools.push(made);
      return made;
    };
    const admin = pool();
    return {
      schema,
      pool,
      query: async (text, values) => (await admin.query(text, values)).rows,
      async close() {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await Promise.all(pools.map((made) => made.end()));
      },
    };
  }),
);
