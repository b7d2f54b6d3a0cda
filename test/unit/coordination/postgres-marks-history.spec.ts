import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import type { PostgresCoordinatorPool } from '../../../lib/coordination/postgres/postgres-client.interface';
import { PGliteDatabase, pgliteForSuite } from '../../src/postgres/pglite';

// Running marks (cluster-wide overlap) and history on PGlite:
// - A mark is renewed by its replica's heartbeat only while a run of its task
//   is in flight there. Every mark of the replica was renewed: one whose end
//   statement was lost (a connection blip) kept the task "running"
//   cluster-wide for as long as that replica lived.
// - The end of run N, sent while the claim of run N + 1 was in flight, deleted
//   the mark that claim had just set: run N + 1 ran unmarked. The end now
//   waits for the claim's answer, as on Redis.
// - PostgreSQL text cannot hold a NUL byte: one error text with one failed
//   the whole batch insert of its turn, losing every task's records.

const DUE = Date.UTC(2026, 0, 1, 12, 0, 0);
const TASK = [{ name: 'Jobs.slow', maxLoopCount: null, overlap: 'skip' }];

/** A pool whose next statement containing `failNext` fails. */
class FlakyPool implements PostgresCoordinatorPool {
  failNext: string | null = null;
  constructor(readonly db: PGliteDatabase) {}
  query(text: string, values?: unknown[]) {
    if (this.failNext !== null && text.includes(this.failNext)) {
      this.failNext = null;
      return Promise.reject(new Error('Connection terminated unexpectedly'));
    }
    return this.db.query(text, values);
  }
  listen(channel: string, callback: (payload: string) => void) {
    return this.db.listen(channel, callback);
  }
}

describe('PostgresCoordinator running marks and history', () => {
  let db: PGliteDatabase;
  pgliteForSuite((opened) => (db = opened));

  const expiry = async (schema: string): Promise<number> => {
    const { rows } = await db.query(
      `SELECT expires_at FROM ${schema}.running WHERE task = 'Jobs.slow'`,
    );
    return new Date(rows[0].expires_at as string).getTime();
  };
  /** Waits for the next heartbeat of `schema`'s replica (it moves its member row's expiry). */
  const beat = async (schema: string): Promise<void> => {
    const member = async () =>
      String(
        (await db.query(`SELECT expires_at FROM ${schema}.members`)).rows[0]
          ?.expires_at,
      );
    const before = await member();
    for (let i = 0; i < 500 && (await member()) === before; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
  };
  const replica = (schema: string, pool: PostgresCoordinatorPool = db) =>
    new PostgresCoordinator({
      pool,
      schema,
      replicaId: 'a',
      leaseTtlMs: 3_000,
      heartbeatMs: 1_000,
    });
  const marks = async (schema: string) =>
    (
      await db.query(
        `SELECT replica, expires_at > now() AS live FROM ${schema}.running`,
      )
    ).rows;

  it('should renew the mark of a run in flight, and stop renewing one whose end statement was lost', async () => {
    const pool = new FlakyPool(db);
    const schema = 'stale_mark';
    const a = replica(schema, pool);
    try {
      await a.join(TASK);
      await expect(a.claim('Jobs.slow', DUE, 1_000)).resolves.toBe(true);
      const claimed = await expiry(schema);
      // A heartbeat already sent when the claim was answered does not know
      // the run yet: the second one after it does.
      await beat(schema);
      await beat(schema);
      const inFlight = await expiry(schema);
      expect(inFlight).not.toBe(claimed); // renewed to now + leaseTtlMs

      // The run ends; the statement freeing its mark fails.
      pool.failNext = `DELETE FROM ${schema}.running`;
      a.runEnded('Jobs.slow');
      // Likewise, one heartbeat sent before the end may still renew it.
      await beat(schema);
      const ended = await expiry(schema);
      await beat(schema);
      await beat(schema);
      expect(await expiry(schema)).toBe(ended);
    } finally {
      await a.leave();
    }
  }, 60_000);

  it('should keep the mark the next claim set when the previous run ends while that claim is in flight', async () => {
    const schema = 'end_after_claim';
    const a = replica(schema);
    try {
      await a.join(TASK);
      await expect(a.claim('Jobs.slow', DUE, 1_000)).resolves.toBe(true);
      const next = a.claim('Jobs.slow', DUE + 1_000, 1_000);
      await new Promise((resolve) => setImmediate(resolve));
      a.runEnded('Jobs.slow'); // run N ends while the claim of N + 1 is out
      await expect(next).resolves.toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await marks(schema)).toEqual([{ replica: 'a', live: true }]);

      // Run N + 1 ends with no claim out: its mark goes.
      a.runEnded('Jobs.slow');
      for (let i = 0; i < 50 && (await marks(schema)).length > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await marks(schema)).toEqual([]);
    } finally {
      await a.leave();
    }
  }, 60_000);

  it('should keep every history record of a turn, one with a NUL byte in its error replaced', async () => {
    const a = replica('hist_nul');
    await a.ensureSchema();
    a.recordRun('Jobs.ok', DUE, DUE, DUE + 5, 'succeeded', undefined);
    a.recordRun(
      'Jobs.bad',
      DUE,
      DUE,
      DUE + 5,
      'failed',
      'Error: bad \u0000 frame',
    );
    // The batch is written on the next turn of the event loop.
    let bad = await a.history('Jobs.bad', 10);
    for (let i = 0; i < 100 && bad.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      bad = await a.history('Jobs.bad', 10);
    }
    expect(await a.history('Jobs.ok', 10)).toHaveLength(1);
    expect(bad.map((record) => record.error)).toEqual([
      'Error: bad \uFFFD frame',
    ]);
  }, 60_000);
});
