import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AioClockError } from '../../../lib/errors/aioclock.error';
import type { DeclaredTask } from '../../../lib/coordination/coordinator.interface';
import {
  PostgresCoordinator,
  type PostgresCoordinatorOptions,
} from '../../../lib/coordination/postgres.coordinator';
import type { PostgresCoordinatorPool } from '../../../lib/coordination/postgres/postgres-client.interface';
import {
  postgresSchemaFile,
  postgresSchemaStatements,
} from '../../../lib/coordination/postgres/postgres-schema';
import { PGliteDatabase, pgliteForSuite } from '../../src/postgres/pglite';

// The SQL of PostgresCoordinator on PGlite (PostgreSQL compiled to WASM, in
// process): several coordinators on one database stand for replicas. A
// counting wrapper around the database checks how many statements go out.

const DUE = Date.UTC(2026, 0, 1, 12, 0, 0);

/** PGlite behind a pool that counts statements by their first words. */
class CountingPool implements PostgresCoordinatorPool {
  readonly statements: string[] = [];
  failing: Error | null = null;
  constructor(readonly db: PGliteDatabase) {}
  query(text: string, values?: unknown[]) {
    this.statements.push(text);
    if (this.failing) return Promise.reject(this.failing);
    return this.db.query(text, values);
  }
  listen(channel: string, callback: (payload: string) => void) {
    return this.db.listen(channel, callback);
  }
  count(fragment: string): number {
    return this.statements.filter((text) => text.includes(fragment)).length;
  }
}

/** A member's heartbeat now, instead of waiting for LISTEN or its timer. */
const refresh = (c: PostgresCoordinator) =>
  (
    c as unknown as { membership: { refresh(): Promise<void> } }
  ).membership.refresh();

const tasks = (n: number, maxLoopCount: number | null = null): DeclaredTask[] =>
  Array.from({ length: n }, (_, i) => ({ name: `Jobs.t${i}`, maxLoopCount }));

describe('PostgresCoordinator on PGlite', () => {
  // One database for the file (PGlite's initdb takes seconds, much more on a
  // loaded machine); each test gets its own schema.
  let db: PGliteDatabase;
  let pool: CountingPool;
  let schema = '';
  let tests = 0;
  const made: PostgresCoordinator[] = [];

  const replica = (
    replicaId: string,
    options: Partial<PostgresCoordinatorOptions> = {},
  ) => {
    const coordinator = new PostgresCoordinator({
      pool,
      schema,
      replicaId,
      leaseTtlMs: 5_000,
      ...options,
    });
    made.push(coordinator);
    return coordinator;
  };

  pgliteForSuite((opened) => (db = opened));

  beforeEach(() => {
    schema = `spec_${++tests}`;
    pool = new CountingPool(db);
  });

  afterEach(async () => {
    await Promise.all(made.map((c) => c.leave()));
    made.length = 0;
  });

  it('should ship docs/postgres.sql as exactly the schema it creates', () => {
    const file = readFileSync(
      join(__dirname, '../../../docs/postgres.sql'),
      'utf8',
    );
    expect(file).toBe(postgresSchemaFile());
  });

  it('should run against tables applied from the shipped file with createSchema: false', async () => {
    await db.exec(postgresSchemaFile(schema));
    const a = replica('a', { createSchema: false });
    await expect(a.claim('Jobs.t0', DUE, 1_000)).resolves.toBe(true);
    expect(pool.count('DO $aioclock$')).toBe(0);
  });

  it('should add failed_run_streak to a task_state table made before it, once', async () => {
    // task_state as it was made before 1 Dec 2026, with a row in it.
    await db.exec(`CREATE SCHEMA ${schema};
CREATE TABLE ${schema}.task_state (
  task text PRIMARY KEY, runs bigint NOT NULL DEFAULT 0, loops bigint NOT NULL DEFAULT 0,
  gen bigint NOT NULL DEFAULT 0, skipped bigint NOT NULL DEFAULT 0, last_due bigint,
  last_replica text, failures bigint NOT NULL DEFAULT 0,
  consecutive_failures bigint NOT NULL DEFAULT 0, last_run_at bigint, caught_up bigint);
INSERT INTO ${schema}.task_state (task, runs) VALUES ('Jobs.t0', 3);`);
    const a = replica('a');
    await a.ensureSchema();
    await a.ensureSchema();
    const { rows } = await db.query(
      `SELECT runs::int AS runs, failed_run_streak::int AS streak FROM ${schema}.task_state`,
    );
    expect(rows).toEqual([{ runs: 3, streak: 0 }]);
    await expect(a.countFailedRun('Jobs.t0')).resolves.toBe(1);
  });

  it('should add loops_from to a task_state table made before it, once, and restart the count with it', async () => {
    // task_state as it was made before loops_from (1 Dec 2026), with a task
    // that made its 2 runs (maxLoopCount 2).
    await db.exec(`CREATE SCHEMA ${schema};
CREATE TABLE ${schema}.task_state (
  task text PRIMARY KEY, runs bigint NOT NULL DEFAULT 0, loops bigint NOT NULL DEFAULT 0,
  gen bigint NOT NULL DEFAULT 0, skipped bigint NOT NULL DEFAULT 0, last_due bigint,
  last_replica text, failures bigint NOT NULL DEFAULT 0,
  consecutive_failures bigint NOT NULL DEFAULT 0, last_run_at bigint, caught_up bigint,
  failed_run_streak bigint NOT NULL DEFAULT 0);
INSERT INTO ${schema}.task_state (task, runs, loops) VALUES ('Jobs.t0', 2, 2);`);
    const a = replica('a');
    await a.ensureSchema();
    await a.ensureSchema();
    const state = async () =>
      (
        await db.query(
          `SELECT runs::int AS runs, loops::int AS loops, loops_from::text AS from FROM ${schema}.task_state`,
        )
      ).rows;
    expect(await state()).toEqual([{ runs: 2, loops: 2, from: '0' }]);
    await a.join(tasks(1, 2));
    // ... in the generation the join began.
    await db.query(
      `UPDATE ${schema}.task_state SET gen = (SELECT value FROM ${schema}.meta WHERE key = 'generation')`,
    );
    await expect(a.claim('Jobs.t0', DUE, 1_000)).resolves.toBe(false);
    a.declare([{ name: 'Jobs.t0', maxLoopCount: 2, loopsFrom: DUE }]);
    await expect(a.claim('Jobs.t0', DUE + 1_000, 1_000)).resolves.toBe(true);
    expect(await state()).toEqual([{ runs: 3, loops: 1, from: String(DUE) }]);
  });

  it('should name the task and the missing table when createSchema: false finds none', async () => {
    const a = replica('a', { createSchema: false });
    await expect(a.claim('Jobs.t0', DUE, 1_000)).rejects.toThrow(
      new RegExp(
        `^PostgreSQL coordinator could not claim Jobs\\.t0 due at 2026-01-01T12:00:00\\.000Z: relation "${schema}\\.\\w+" does not exist$`,
      ),
    );
  });

  it('should create its tables once however many replicas start together', async () => {
    const replicas = ['a', 'b', 'c', 'd'].map((id) => replica(id));
    await Promise.all(replicas.map((r) => r.ensureSchema()));
    await Promise.all(replicas.map((r) => r.ensureSchema()));
    expect(pool.count('DO $aioclock$')).toBe(4);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = '${schema}'`,
    );
    // Every table of the schema, once (members … schedule_changes).
    expect(rows[0].n).toBe(
      postgresSchemaStatements(schema).filter((statement) =>
        statement.startsWith('CREATE TABLE'),
      ).length,
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(10);
  });

  it('should let exactly one replica win each due time, at second precision', async () => {
    const [a, b] = [replica('a'), replica('b')];
    await a.ensureSchema();
    const first = await Promise.all([
      a.claim('Jobs.t0', DUE, 1_000),
      b.claim('Jobs.t0', DUE, 1_000),
    ]);
    expect(first.filter((won) => won === true)).toHaveLength(1);
    // One second later is another due time, with its own winner.
    const next = await Promise.all([
      b.claim('Jobs.t0', DUE + 1_000, 1_000),
      a.claim('Jobs.t0', DUE + 1_000, 1_000),
    ]);
    expect(next).toEqual([true, false]);
    // A late timer cannot run a fenced due time again.
    await expect(a.claim('Jobs.t0', DUE, 1_000)).resolves.toBe(false);
  });

  it('should answer one of two claims of a task for one due time in one turn, the others of the turn unharmed', async () => {
    // Two backfills of one range at once: the statement refused both rows before.
    const a = replica('a');
    await a.ensureSchema();
    const answers = await Promise.all([
      a.claim('Jobs.t0', DUE, 60_000),
      a.claim('Jobs.t0', DUE, 60_000, true),
      a.claim('Jobs.t1', DUE, 60_000),
    ]);
    expect(answers[2]).toBe(true);
    expect([answers[0], answers[1]].sort()).toEqual([false, true]);
  });

  it('should send ONE claim statement per due time and replica, however many tasks are due', async () => {
    const a = replica('a');
    await a.join(tasks(200));
    const before = pool.count(`INSERT INTO ${schema}.claims`);
    const answers = await Promise.all(
      tasks(200).map((t) => a.claim(t.name, DUE, 1_000)),
    );
    expect(answers.every((won) => won === true)).toBe(true);
    expect(pool.count(`INSERT INTO ${schema}.claims`) - before).toBe(1);
    const rows = await db.query(
      `SELECT count(*)::int AS n FROM ${schema}.claims`,
    );
    expect(rows.rows[0].n).toBe(200);
  });

  it('should spread the tasks over the members and answer false without a statement on a non-owner', async () => {
    const [a, b] = [replica('a'), replica('b')];
    await a.join(tasks(100));
    await b.join(tasks(100));
    await a.ensureSchema();
    // a learns of b by LISTEN/NOTIFY or, at the latest, its next refresh.
    await refresh(a);
    const owned = (c: PostgresCoordinator) =>
      tasks(100).filter((t) => c.ownerOf(t.name) === c.replicaId).length;
    expect([owned(a), owned(b)]).toEqual([50, 50]);
    expect(
      tasks(100).every((t) => a.ownerOf(t.name) === b.ownerOf(t.name)),
    ).toBe(true);
    const notOwned = tasks(100).find((t) => a.ownerOf(t.name) === 'b')!;
    const before = pool.statements.length;
    await expect(a.claim(notOwned.name, DUE, 1_000)).resolves.toBe(false);
    expect(pool.statements.length).toBe(before);
  });

  it('should hand every task to the others when a member leaves', async () => {
    const [a, b] = [replica('a'), replica('b')];
    await a.join(tasks(20));
    await b.join(tasks(20));
    await a.leave();
    await refresh(b);
    expect(tasks(20).every((t) => b.ownerOf(t.name) === 'b')).toBe(true);
  });

  it('should give every member the same owners after a pruned member rejoins and others looked in between its two heartbeats', async () => {
    const [a, b, c] = [replica('a'), replica('b'), replica('c')];
    for (const member of [a, b, c]) await member.join(tasks(60));
    for (const member of [a, b, c]) await refresh(member);
    // c was frozen past its lease: the others pruned its row.
    await db.query(`DELETE FROM ${schema}.members WHERE replica = 'c'`);
    for (const member of [a, b]) await refresh(member);
    expect(a.ownerOf('Jobs.t0')).not.toBe('c');
    // c's first heartbeat rejoins without its tasks (it believes the row has
    // them), then sends them; a looks at the table in between.
    const query = pool.query.bind(pool);
    let between = false;
    pool.query = async (text: string, values?: unknown[]) => {
      const result = await query(text, values);
      const rejoined =
        text.includes('INSERT INTO') &&
        text.includes('.members') &&
        values?.[0] === 'c' &&
        values[3] === null &&
        result.rows[0]?.inserted === true;
      if (rejoined && !between) {
        between = true;
        await refresh(a);
      }
      return result;
    };
    await refresh(c);
    expect(between).toBe(true);
    pool.query = query;
    for (const member of [a, b]) await refresh(member);
    const differ = tasks(60)
      .map((t) => t.name)
      .filter(
        (name) =>
          a.ownerOf(name) !== c.ownerOf(name) ||
          b.ownerOf(name) !== c.ownerOf(name),
      );
    expect(differ).toEqual([]);
  });

  it("should count maxLoopCount over the cluster's runs, across an ownership move", async () => {
    const [a, b] = [replica('a'), replica('b')];
    // 'allow': no running mark, so only maxLoopCount decides here.
    const limited = [
      { name: 'Jobs.limited', maxLoopCount: 3, overlap: 'allow' },
    ];
    await a.join(limited);
    await b.join(limited);
    await refresh(a);
    const owner = a.ownerOf('Jobs.limited') === 'a' ? a : b;
    const heir = owner === a ? b : a;
    const answers: unknown[] = [];
    for (let i = 0; i < 2; i++)
      answers.push(await owner.claim('Jobs.limited', DUE + i * 1_000, 1_000));
    await owner.leave();
    await refresh(heir);
    expect(heir.ownerOf('Jobs.limited')).toBe(heir.replicaId);
    for (let i = 2; i < 5; i++)
      answers.push(await heir.claim('Jobs.limited', DUE + i * 1_000, 1_000));
    expect(answers).toEqual([true, true, true, false, false]);
    const { rows } = await db.query(
      `SELECT runs::text, last_due::text, last_replica FROM ${schema}.task_state WHERE task = 'Jobs.limited'`,
    );
    expect(rows[0]).toEqual({
      runs: '3',
      last_due: String(DUE + 2_000),
      last_replica: heir.replicaId,
    });
  });

  it("should answer 'busy' while another replica's run is in flight, until it ends", async () => {
    const [a, b] = [replica('a'), replica('b')];
    const slow = [{ name: 'Jobs.slow', maxLoopCount: null, overlap: 'skip' }];
    await a.join(slow);
    await expect(a.claim('Jobs.slow', DUE, 1_000)).resolves.toBe(true);
    await b.join(slow);
    // Whoever owns it now, a run is in flight on a.
    const owner = b.ownerOf('Jobs.slow') === 'b' ? b : a;
    const other = owner === a ? b : a;
    if (owner === b)
      await expect(b.claim('Jobs.slow', DUE + 1_000, 1_000)).resolves.toBe(
        'busy',
      );
    a.runEnded('Jobs.slow');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(owner.claim('Jobs.slow', DUE + 2_000, 1_000)).resolves.toBe(
      true,
    );
    await expect(other.claim('Jobs.slow', DUE + 2_000, 1_000)).resolves.toBe(
      false,
    );
    const { rows } = await db.query(
      `SELECT skipped::text FROM ${schema}.task_state WHERE task = 'Jobs.slow'`,
    );
    expect(rows[0].skipped).toBe(owner === b ? '1' : '0');
  });

  it("should keep every replica's runs in the history, the last history.keep per task, newest first", async () => {
    const [a, b] = [
      replica('a', { history: { keep: 3 } }),
      replica('b', { history: { keep: 3 } }),
    ];
    await a.ensureSchema();
    await b.ensureSchema();
    for (let i = 0; i < 5; i++)
      (i % 2 ? b : a).recordRun(
        'Jobs.t0',
        DUE + i * 1_000,
        DUE + i * 1_000 + 5,
        DUE + i * 1_000 + 9,
        i === 4 ? 'failed' : 'succeeded',
        i === 4 ? 'boom' : undefined,
      );
    a.recordRun('Jobs.other', DUE, NaN, NaN, 'skipped', 'busy');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const history = await b.history('Jobs.t0', 10);
    expect(
      history.map((r) => [r.scheduledAt.getTime() - DUE, r.replica, r.outcome]),
    ).toEqual([
      [4_000, 'a', 'failed'],
      [3_000, 'b', 'succeeded'],
      [2_000, 'a', 'succeeded'],
    ]);
    expect(history[0]).toMatchObject({
      task: 'Jobs.t0',
      startedAt: new Date(DUE + 4_005),
      finishedAt: new Date(DUE + 4_009),
      error: 'boom',
      attempt: 1,
      catchUp: false,
    });
    expect(await a.history('Jobs.other', 10)).toEqual([
      expect.objectContaining({
        startedAt: null,
        finishedAt: null,
        outcome: 'skipped',
        error: 'busy',
      }),
    ]);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM ${schema}.history`,
    );
    expect(rows[0].n).toBe(4);
  });

  it('should give a @Forever lease to one replica at a time', async () => {
    const [a, b] = [replica('a'), replica('b')];
    await expect(a.lease('Jobs.forever', 5_000)).resolves.toBe(true);
    await expect(b.lease('Jobs.forever', 5_000)).resolves.toBe(false);
    await expect(a.lease('Jobs.forever', 5_000)).resolves.toBe(true);
    await b.release('Jobs.forever'); // not b's: left alone
    await expect(b.lease('Jobs.forever', 5_000)).resolves.toBe(false);
    await a.release('Jobs.forever');
    await expect(b.lease('Jobs.forever', 5_000)).resolves.toBe(true);
  });

  it('should reject a claim naming the task and the cause while the database fails, and recover after', async () => {
    const a = replica('a');
    await a.ensureSchema();
    pool.failing = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const failed = await a
      .claim('Jobs.t0', DUE, 1_000)
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AioClockError);
    expect((failed as Error).message).toBe(
      'PostgreSQL coordinator could not claim Jobs.t0 due at 2026-01-01T12:00:00.000Z: connect ECONNREFUSED 127.0.0.1:5432',
    );
    pool.failing = null;
    await expect(a.claim('Jobs.t0', DUE, 1_000)).resolves.toBe(true);
  });

  it('should reject a claim after claimTimeoutMs when the database does not answer', async () => {
    const hanging: PostgresCoordinatorPool = {
      query: () => new Promise(() => undefined),
    };
    const a = new PostgresCoordinator({
      pool: hanging,
      replicaId: 'a',
      claimTimeoutMs: 50,
      createSchema: false,
    });
    await expect(a.claim('Jobs.t0', DUE, 1_000)).rejects.toThrow(
      'PostgreSQL coordinator could not claim Jobs.t0 due at 2026-01-01T12:00:00.000Z: no answer within 50 ms',
    );
  });

  it.each([
    [
      { pool: undefined },
      'PostgresCoordinator: invalid pool: undefined (expected a pg Pool or anything with its query(text, values) (e.g. PGlite))',
    ],
    [
      { pool: {}, schema: 'Bad-Name' },
      'PostgresCoordinator: invalid pool: an object',
    ],
    [{ schema: 'Bad-Name' }, 'PostgresCoordinator: invalid schema: "Bad-Name"'],
    // Each would pass a plain identifier pattern and then break every statement.
    [{ schema: 'order' }, 'PostgresCoordinator: invalid schema: "order"'],
    [
      { schema: 'pg_aioclock' },
      'PostgresCoordinator: invalid schema: "pg_aioclock"',
    ],
    // Its channel `<schema>_schedules_changed` would pass PostgreSQL's 63.
    [{ schema: 'a'.repeat(46) }, 'PostgresCoordinator: invalid schema: "aaaa'],
    [
      { heartbeatMs: 500 },
      'PostgresCoordinator: invalid heartbeatMs: 500 (expected a number of ms >= 1000 and <= leaseTtlMs / 3 (3333))',
    ],
    [
      { leaseTtlMs: 1_000, claimTimeoutMs: 1_000 },
      'PostgresCoordinator: invalid leaseTtlMs: 1000 (expected a number of ms >= 2 × claimTimeoutMs and >= 3000 (3000)',
    ],
    [
      { createSchema: 'yes' },
      'PostgresCoordinator: invalid createSchema: "yes" (expected true or false)',
    ],
    [{ keyPrefix: 'x' }, 'PostgresCoordinator: unknown option "keyPrefix"'],
  ])(
    'should reject the options %p naming the option and the value',
    (given, message) => {
      const options = {
        pool: { query: () => Promise.resolve({ rows: [] }) },
        ...given,
      };
      expect(
        () => new PostgresCoordinator(options as PostgresCoordinatorOptions),
      ).toThrow(
        expect.objectContaining({
          message: expect.stringContaining(message),
        }) as Error,
      );
    },
  );
});
