import { Client, Pool, type PoolClient } from 'pg';
import { canonicalJson } from '../../../lib/coordination/schedule-content';
import { upsertScheduleSql } from '../../../lib/coordination/postgres/postgres-schedule-statements';
import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import type { PostgresCoordinatorPool } from '../../../lib/coordination/postgres/postgres-client.interface';
import { PGliteDatabase, pgliteForSuite } from '../../src/postgres/pglite';
import {
  DATABASE_URL,
  describeWithPostgres,
} from '../../src/postgres/postgres-test-env';
import {
  describeScheduleStore,
  scheduleInput,
} from '../../src/schedules/schedule-store.conformance';

let schemas = 0;

/** Two replicas' coordinators on one database, in a schema of their own. */
function pair(
  pools: [PostgresCoordinatorPool, PostgresCoordinatorPool],
  claimTimeoutMs = 1_000,
) {
  const schema = `sched_${process.pid}_${++schemas}`;
  const [a, b] = pools.map(
    (pool) =>
      new PostgresCoordinator({
        pool,
        schema,
        claimTimeoutMs,
        leaseTtlMs: Math.max(5_000, 2 * claimTimeoutMs),
      }),
  );
  return { a, b, schema };
}

describe('PostgresScheduleStore on PGlite', () => {
  let db: PGliteDatabase;

  pgliteForSuite((opened) => (db = opened));

  describeScheduleStore(
    'PGlite',
    () => {
      // One WASM database in one thread answers 100 upserts in turn: room for a loaded machine.
      const { a, b } = pair([db, db], 20_000);
      return Promise.resolve({
        store: a.schedules,
        peer: b.schedules,
        dispose: () => Promise.resolve(),
      });
    },
    { loadAllCount: 1_100, watchWithinMs: 10_000 },
  );

  it("should forget a removed schedule's task state, history and pause (names come and go)", async () => {
    const { a, schema } = pair([db, db], 20_000);
    await a.schedules.upsert(scheduleInput('gone'));
    const task = 'schedule:gone';
    const at = Date.UTC(2026, 0, 1);
    a.recordRun(task, at, at, at + 5, 'failed', 'boom');
    // Paused by its pauseOnFailure: a schedule made again with the id must not inherit it.
    await db.query(
      `INSERT INTO ${schema}.paused (task, reason) VALUES ($1, 'failed')`,
      [task],
    );
    const rows = async () =>
      Number(
        (
          await db.query(
            `SELECT (SELECT count(*) FROM ${schema}.history WHERE task = $1) +
               (SELECT count(*) FROM ${schema}.task_state WHERE task = $1) +
               (SELECT count(*) FROM ${schema}.paused WHERE task = $1) AS n`,
            [task],
          )
        ).rows[0].n,
      );
    for (let i = 0; i < 200 && (await rows()) < 3; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await rows()).toBe(3);
    await expect(a.schedules.remove('gone')).resolves.toBe(true);
    expect(await rows()).toBe(0);
  });

  it('should tell a watcher of a change another store of the process makes right after watch(), whichever statement the database answers first', async () => {
    // The watcher's database answers its base read (the last change) and its
    // LISTEN late, as a busy one may: the other store's upsert, sent after
    // watch() returned, would otherwise commit first and count as before it.
    const late = (ms: number) =>
      new Promise((resolve) => setTimeout(resolve, ms));
    const slow: PostgresCoordinatorPool = {
      query: async (text, values) => {
        if (text.includes('max(seq)')) await late(150);
        return db.query(text, values);
      },
      listen: async (channel, callback) => {
        await late(250);
        return db.listen(channel, callback);
      },
    };
    const { a, b } = pair([db, slow], 20_000);
    await Promise.all([a.schedules.get('warm-up'), b.schedules.get('warm-up')]);
    const heard: string[] = [];
    const stop = b.schedules.watch((id) => heard.push(id));
    try {
      await a.schedules.upsert(scheduleInput('right-after'));
      await until(() => heard.includes('right-after'));
      expect(heard).toEqual(['right-after']);
    } finally {
      stop();
    }
  });
});

describeWithPostgres('PostgresScheduleStore on PostgreSQL', () => {
  const open: Pool[] = [];
  const pool = () => {
    const made = new Pool({ connectionString: DATABASE_URL, max: 4 });
    made.on('error', () => undefined);
    open.push(made);
    return made;
  };

  afterAll(() => Promise.all(open.map((p) => p.end())));

  describeScheduleStore(
    'PostgreSQL',
    async () => {
      const pools: [Pool, Pool] = [pool(), pool()];
      const { a, b, schema } = pair(pools);
      // As in a started replica, each pool has a connection: watch() reads the
      // last change at once, before the writes the suite makes right after it
      // (a cold pool's first connection would take longer than those).
      await Promise.all([
        a.schedules.get('warm-up'),
        b.schedules.get('warm-up'),
      ]);
      return {
        store: a.schedules,
        peer: b.schedules,
        dispose: async () => {
          await pools[0].query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        },
      };
    },
    { watchWithinMs: 10_000 },
  );

  it('should replay to a watcher the changes made while its LISTEN connection was lost', async () => {
    const pools: [Pool, Pool] = [pool(), pool()];
    const { a, b, schema } = pair(pools);
    const heard: string[] = [];
    const stop = b.schedules.watch((id) => heard.push(id));
    try {
      await a.schedules.upsert(scheduleInput('before'));
      await until(() => heard.includes('before'));
      // Ends b's LISTEN session, then changes while it is opened again.
      await pools[0].query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`,
        [`LISTEN ${b.schedules.channel}`],
      );
      await a.schedules.upsert(scheduleInput('during'));
      await a.schedules.remove('before');
      await until(() => heard.includes('during'));
      await until(() => heard.filter((id) => id === 'before').length === 2);
    } finally {
      stop();
      await pools[0].query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });

  it('should find, within a heartbeat, a change whose notice was lost while its LISTEN session looked live', async () => {
    const pools: [Pool, Pool] = [pool(), pool()];
    // b's dedicated connections, each with what it was asked: to find the LISTEN one.
    const listening: { client: PoolClient; texts: string[] }[] = [];
    const connect = pools[1].connect.bind(pools[1]) as (
      ...args: unknown[]
    ) => unknown;
    (pools[1] as unknown as { connect: unknown }).connect = (
      ...args: unknown[]
    ) => {
      // pool.query connects with a callback: left alone.
      if (args.length > 0) return connect(...args);
      return (connect() as Promise<PoolClient>).then((client) => {
        const entry = { client, texts: [] as string[] };
        listening.push(entry);
        const query = client.query.bind(client) as (...a: unknown[]) => unknown;
        (client as unknown as { query: unknown }).query = (...a: unknown[]) => {
          if (typeof a[0] === 'string') entry.texts.push(a[0]);
          return query(...a);
        };
        return client;
      });
    };
    const { a, b, schema } = pair(pools);
    const heard: string[] = [];
    const stop = b.schedules.watch((id) => heard.push(id));
    try {
      await a.schedules.upsert(scheduleInput('before'));
      await until(() => heard.includes('before'));
      const session = listening.find((entry) =>
        entry.texts.includes(`LISTEN ${b.schedules.channel}`),
      )!;
      // A quiet session: no notification, no error, no end.
      await session.client.query(`UNLISTEN ${b.schedules.channel}`);
      await a.schedules.upsert(scheduleInput('during'));
      await a.schedules.remove('before');
      await until(() => heard.includes('during'));
      await until(() => heard.filter((id) => id === 'before').length === 2);
    } finally {
      stop();
      await pools[0].query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });
  it("should tell a replica's first watch of a change numbered below its first read that commits after it, and of none before", async () => {
    const pools: [Pool, Pool] = [pool(), pool()];
    // b's LISTEN waits for the test: the late change commits between b's
    // first read of the log and its LISTEN, so only the replay can find it.
    let letListen!: () => void;
    holdListen(pools[1], new Promise<void>((go) => (letListen = go)));
    const { a, b, schema } = pair(pools);
    await Promise.all([a.schedules.get('warm-up'), b.schedules.get('warm-up')]);
    const slow = new Client({ connectionString: DATABASE_URL });
    await slow.connect();
    let stop = (): void => undefined;
    try {
      // A writer slower to commit takes its sequence number first.
      await slow.query('BEGIN');
      const late = scheduleInput('late');
      await slow.query(upsertScheduleSql(schema), [
        late.id,
        late.handler,
        canonicalJson(late.trigger),
        canonicalJson(late.payload),
        canonicalJson(late.options),
        late.startAt,
        late.endAt,
        late.enabled,
        'slow-writer',
        b.schedules.channel,
      ]);
      await a.schedules.upsert(scheduleInput('early'));
      const heard: string[] = [];
      stop = b.schedules.watch((id) => heard.push(id));
      // b's statements wait for its first read (WatchBases): it was made.
      await b.schedules.get('warm-up');
      await slow.query('COMMIT');
      letListen();
      await a.schedules.upsert(scheduleInput('marker'));
      await until(() => heard.includes('marker'));
      expect(heard).toEqual(['late', 'marker']);
    } finally {
      stop();
      await slow.end();
      await pools[0].query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });
});

/** Holds every `LISTEN` sent on a client of `pool` until `released` settles. */
function holdListen(pool: Pool, released: Promise<void>): void {
  const held = new WeakSet<PoolClient>();
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: unknown }).connect = (...args: unknown[]) => {
    // pool.query connects with a callback: left alone.
    if (args.length > 0) return connect(...args);
    return (connect() as Promise<PoolClient>).then((client) => {
      if (held.has(client)) return client;
      held.add(client);
      const query = client.query.bind(client) as (...a: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...a: unknown[]) =>
        typeof a[0] === 'string' && a[0].startsWith('LISTEN ')
          ? released.then(() => query(...a))
          : query(...a);
      return client;
    });
  };
}

async function until(condition: () => boolean, withinMs = 10_000) {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
