import { Client } from 'pg';
import {
  claimBatchSql,
  PG_CLAIM_BUSY,
  PG_CLAIM_WON,
} from '../../../lib/coordination/postgres/postgres-statements';
import { postgresSchemaStatements } from '../../../lib/coordination/postgres/postgres-schema';
import {
  DATABASE_URL,
  describeWithPostgres,
} from '../../src/postgres/postgres-test-env';

// Two replicas' claims of the same task at two different due times, on a
// real PostgreSQL (PGlite has one connection: nothing runs concurrently
// there). The first replica's claim is in an open transaction when the
// second one's arrives, which has to wait for its rows: maxLoopCount, the
// generation and the overlap marks must hold however the two interleave.

const DUE = Date.UTC(2026, 0, 1, 12, 0, 0);

describeWithPostgres(
  'claimBatchSql: concurrent claims of different due times (PostgreSQL)',
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

    /**
     * One replica's claim of `task` (maxLoopCount `maxLoops`; `marks`:
     * overlap ≠ 'allow'; `loopsFrom`: rescheduled then) at `due`.
     */
    async function answer(
      client: Client,
      task: string,
      maxLoops: number,
      due: number,
      replica: string,
      marks = false,
      loopsFrom = 0,
    ): Promise<'won' | 'busy' | 'lost'> {
      const { rows } = await client.query<{ task: string; answer: number }>(
        claimBatchSql(schema),
        [
          [task],
          [maxLoops],
          [marks],
          due,
          replica,
          [60_000],
          60_000,
          [false],
          [loopsFrom],
        ],
      );
      const code = rows.length === 0 ? null : Number(rows[0].answer);
      if (code === PG_CLAIM_WON) return 'won';
      return code === PG_CLAIM_BUSY ? 'busy' : 'lost';
    }

    /** Won or not (overlap 'allow': no running mark decides it). */
    const claim = async (
      client: Client,
      task: string,
      maxLoops: number,
      due: number,
      replica: string,
      loopsFrom = 0,
    ): Promise<boolean> =>
      (await answer(client, task, maxLoops, due, replica, false, loopsFrom)) ===
      'won';

    /** `first` runs `during` in an open transaction, and `then` (on `second`) starts before it commits. */
    async function interleave<T>(
      during: () => Promise<unknown>,
      then: () => Promise<T>,
    ): Promise<T> {
      await first.query('BEGIN');
      await during();
      const waiting = then();
      // Long enough for the second statement to reach the row lock.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await first.query('COMMIT');
      return waiting;
    }

    const stateOf = async (task: string) =>
      (
        await first.query<{ loops: string; gen: string }>(
          `SELECT loops::text, gen::text FROM ${schema}.task_state WHERE task = $1`,
          [task],
        )
      ).rows[0];

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

        const secondWon = await interleave(
          async () =>
            expect(await claim(first, task, maxLoops, DUE, 'a')).toBe(true),
          () => claim(second, task, maxLoops, DUE + 1_000, 'b'),
        );

        expect(secondWon).toBe(false);
        expect((await stateOf(task)).loops).toBe(String(maxLoops));
      },
    );

    it('should hold maxLoopCount in a generation bumped while the other replica’s claim waited', async () => {
      const task = 'Jobs.generation';
      // The second replica's claim reads generation g, then waits for the
      // first one's claim of the task's first run in generation g + 1.
      const secondWon = await interleave(
        async () => {
          await first.query(
            `UPDATE ${schema}.meta SET value = value + 1 WHERE key = 'generation'`,
          );
          expect(await claim(first, task, 1, DUE, 'a')).toBe(true);
        },
        () => claim(second, task, 1, DUE + 1_000, 'b'),
      );

      expect(secondWon).toBe(false);
      // The count stays in the new generation: no run after it either.
      expect(await claim(first, task, 1, DUE + 2_000, 'a')).toBe(false);
      const { rows } = await first.query<{ value: string }>(
        `SELECT value::text FROM ${schema}.meta WHERE key = 'generation'`,
      );
      expect(await stateOf(task)).toEqual({ loops: '1', gen: rows[0].value });
    });

    it('should restart the count once when two replicas that rescheduled at the same moment claim at once', async () => {
      const task = 'Jobs.rescheduled';
      expect(await claim(first, task, 1, DUE - 10_000, 'a')).toBe(true);
      expect(await claim(first, task, 1, DUE - 9_000, 'a')).toBe(false);
      // Both read the spent count of the old trigger; the second one's claim
      // waits for the first one's, which restarts the count and takes the
      // new trigger's only run.
      const from = DUE - 5_000;
      const secondWon = await interleave(
        async () =>
          expect(await claim(first, task, 1, DUE, 'a', from)).toBe(true),
        () => claim(second, task, 1, DUE + 1_000, 'b', from),
      );

      expect(secondWon).toBe(false);
      expect((await stateOf(task)).loops).toBe('1');
      // Rescheduled again later: the count restarts again.
      expect(await claim(second, task, 1, DUE + 3_000, 'b', DUE + 2_000)).toBe(
        true,
      );
    });

    it('should answer busy to a replica whose claim waited while the other replica took the running mark', async () => {
      const task = 'Jobs.overlap';
      const secondAnswer = await interleave(
        async () =>
          expect(await answer(first, task, 0, DUE, 'a', true)).toBe('won'),
        () => answer(second, task, 0, DUE + 1_000, 'b', true),
      );

      expect(secondAnswer).toBe('busy');
      const { rows: marks } = await first.query<{ replica: string }>(
        `SELECT replica FROM ${schema}.running WHERE task = $1`,
        [task],
      );
      expect(marks).toEqual([{ replica: 'a' }]);
      // The busy due time is not fenced: it can be claimed once the run ends.
      const { rows: claims } = await first.query<{ due_at: string }>(
        `SELECT due_at::text FROM ${schema}.claims WHERE task = $1`,
        [task],
      );
      expect(claims).toEqual([{ due_at: String(DUE) }]);
      await first.query(`DELETE FROM ${schema}.running WHERE task = $1`, [
        task,
      ]);
      expect(await answer(second, task, 0, DUE + 1_000, 'b', true)).toBe('won');
    });
  },
);
