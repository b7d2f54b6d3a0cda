import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import { PGliteDatabase } from '../../src/postgres/pglite';

// The end of run N, sent while the claim of run N + 1 was in flight, deleted
// the running mark that claim had just set: run N + 1 ran unmarked, so the
// overlap rule did not hold across the cluster for it. The end now waits for
// the claim's answer, as on Redis.

const DUE = Date.UTC(2026, 0, 1, 12, 0, 0);
const TASK = [{ name: 'Jobs.slow', maxLoopCount: null, overlap: 'skip' }];

describe('PostgresCoordinator: a run ending while the next claim is in flight', () => {
  let db: PGliteDatabase;
  beforeAll(async () => {
    db = new PGliteDatabase();
    await db.query('SELECT 1');
  }, 180_000);
  afterAll(() => db?.close());

  const marks = async (schema: string) =>
    (
      await db.query(
        `SELECT replica, expires_at > now() AS live FROM ${schema}.running`,
      )
    ).rows;

  it('should keep the mark the next claim set', async () => {
    const schema = 'end_after_claim';
    const a = new PostgresCoordinator({
      pool: db,
      schema,
      replicaId: 'a',
      leaseTtlMs: 3_000,
      heartbeatMs: 1_000,
    });
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
});
