import { Client } from 'pg';
import {
  claimBatchSql,
  PG_CLAIM_WON,
} from '../../../lib/coordination/postgres/postgres-statements';
import { postgresSchemaStatements } from '../../../lib/coordination/postgres/postgres-schema';
import {
  DATABASE_URL,
  describeWithPostgres,
} from '../../src/postgres/postgres-test-env';

// Two replicas' claims of the same task at two different due times (overlap
// 'allow': no running mark decides it), on a
// real PostgreSQL (PGlite has one connection: nothing runs concurrently
// there). maxLoopCount must hold cluster-wide however the two interleave.

const DUE = Date.UTC(2026, 0, 1, 12, 0, 0);

describeWithPostgres(
  'claimBatchSql: maxLoopCount under concurrent claims (PostgreSQL)',
  () => {
    const schema = `claim_race_${process.pid}`;
    let first: Client;
    let second: Client;

    beforeAll(async () => {
      first = new Client({ connectionString: DATABASE_URL });
      second = new Client({ connectionString: DATABASE_URL });
      await first.connect();
      await second.connect();
      for (const statement of postgresSchemaStatements(schema))
        await first.query(statement);
    });

    afterAll(async () => {
      await first?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await first?.end();
      await second?.end();
    });

    /** One replica's claim of `task` (maxLoopCount `maxLoops`) at `due`: won or not. */
    async function claim(
      client: Client,
      task: string,
      maxLoops: number,
      due: number,
      replica: string,
    ): Promise<boolean> {
      const { rows } = await client.query<{ task: string; answer: number }>(
        claimBatchSql(schema),
        [[task], [maxLoops], [false], due, replica, [60_000], 60_000, [false]],
      );
      return rows.some((row) => Number(row.answer) === PG_CLAIM_WON);
    }

    it.each([
      ['its first run', 1, 0],
      ['its last run', 3, 2],
    ])(
      'should let only one of two replicas claim %s when both claim different due times at once',
      async (_label, maxLoops, runsBefore) => {
        const task = `Jobs.race${maxLoops}`;
        for (let i = 0; i < runsBefore; i++)
          expect(
            await claim(first, task, maxLoops, DUE - 1_000 * (i + 10), 'a'),
          ).toBe(true);
        // The first replica's claim is in an open transaction while the
        // second one's arrives: it has to wait for the row and see its count.
        await first.query('BEGIN');
        expect(await claim(first, task, maxLoops, DUE, 'a')).toBe(true);
        const secondClaim = claim(second, task, maxLoops, DUE + 1_000, 'b');
        // Long enough for the second statement to reach the row lock.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await first.query('COMMIT');

        expect(await secondClaim).toBe(false);
        const { rows } = await first.query<{ loops: string }>(
          `SELECT loops::text FROM ${schema}.task_state WHERE task = $1`,
          [task],
        );
        expect(rows[0].loops).toBe(String(maxLoops));
      },
    );
  },
);
