import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import { PGliteDatabase } from '../../src/postgres/pglite';

// PostgreSQL text cannot hold a NUL byte. One error text with one (a task
// that threw an error built from binary data) failed the whole batch insert
// of its turn: every record of every task written then was lost.

const DUE = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('PostgresCoordinator history: an error text holding a NUL byte', () => {
  let db: PGliteDatabase;
  beforeAll(async () => {
    db = new PGliteDatabase();
    await db.query('SELECT 1');
  }, 180_000);
  afterAll(() => db?.close());

  it('should keep every record of the turn, that one with the NUL replaced', async () => {
    const a = new PostgresCoordinator({
      pool: db,
      schema: 'hist_nul',
      replicaId: 'a',
    });
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
