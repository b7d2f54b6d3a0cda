import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import type { PostgresCoordinatorPool } from '../../../lib/coordination/postgres/postgres-client.interface';
import { PGliteDatabase } from '../../src/postgres/pglite';

// A running mark (cluster-wide overlap) is renewed by its replica's heartbeat
// only while a run of its task is in flight there. Every heartbeat renewed
// every mark of the replica: one whose end statement was lost (a connection
// blip) kept the task "running" cluster-wide for as long as that replica lived.

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

describe('PostgresCoordinator running marks', () => {
  let db: PGliteDatabase;
  beforeAll(async () => {
    db = new PGliteDatabase();
    await db.query('SELECT 1');
  }, 180_000);
  afterAll(() => db?.close());

  const expiry = async (schema: string): Promise<number> => {
    const { rows } = await db.query(
      `SELECT expires_at FROM ${schema}.running WHERE task = 'Jobs.slow'`,
    );
    return new Date(rows[0].expires_at as string).getTime();
  };
  /** Longer than one heartbeat (heartbeatMs 1 000). */
  const beat = () => new Promise((resolve) => setTimeout(resolve, 1_300));

  it('should renew the mark of a run in flight, and stop renewing one whose end statement was lost', async () => {
    const pool = new FlakyPool(db);
    const schema = 'stale_mark';
    const a = new PostgresCoordinator({
      pool,
      schema,
      replicaId: 'a',
      leaseTtlMs: 3_000,
      heartbeatMs: 1_000,
    });
    try {
      await a.join(TASK);
      await expect(a.claim('Jobs.slow', DUE, 1_000)).resolves.toBe(true);
      const claimed = await expiry(schema);
      await beat();
      const inFlight = await expiry(schema);
      expect(inFlight).not.toBe(claimed); // renewed to now + leaseTtlMs

      // The run ends; the statement freeing its mark fails.
      pool.failNext = `DELETE FROM ${schema}.running`;
      a.runEnded('Jobs.slow');
      await beat();
      expect(await expiry(schema)).toBe(inFlight);
    } finally {
      await a.leave();
    }
  }, 60_000);
});
