import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Client, Pool } from 'pg';
import { PostgresCoordinator } from '../../../lib/coordination/postgres.coordinator';
import {
  DATABASE_URL,
  describeWithPostgres,
} from '../../src/postgres/postgres-test-env';

// A claim that gave up waiting for a connection of an exhausted pg Pool, on a
// real PostgreSQL: the pool would hand it the next free connection and the
// server would record a run that never happened (runs, loops, last_due).

const DUE = Date.UTC(2026, 0, 1, 12, 0, 0);

describeWithPostgres(
  'PostgresCoordinator: a claim past claimTimeoutMs in an exhausted pool (PostgreSQL)',
  () => {
    const schema = `queued_claim_${process.pid}`;
    let pool: Pool;

    beforeAll(() => {
      // One connection: the test holds it as a busy application would.
      pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
      pool.on('error', () => undefined);
    });

    afterAll(async () => {
      await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool?.end();
    });

    it('should never send a claim that timed out waiting for a pool connection', async () => {
      const coordinator = new PostgresCoordinator({
        pool,
        schema,
        claimTimeoutMs: 100,
      });
      coordinator.declare([{ name: 'Jobs.once', maxLoopCount: 1 }]);
      await coordinator.ensureSchema();

      const held = await pool.connect();
      const failed = await coordinator
        .claim('Jobs.once', DUE, 1_000)
        .then(
          () => null,
          (error: Error) => error,
        )
        .finally(() => held.release());
      // The pool serves its waiters in turn: once this one is answered, the
      // claim queued before it was sent or dropped.
      await pool.query('SELECT 1');

      const { rows } = await pool.query<{ claims: string; runs: string }>(
        `SELECT (SELECT count(*) FROM ${schema}.claims)::text AS claims,
          (SELECT count(*) FROM ${schema}.task_state WHERE runs > 0)::text AS runs`,
      );
      expect(rows).toEqual([{ claims: '0', runs: '0' }]);
      expect(failed?.message).toBe(
        'PostgreSQL coordinator could not claim Jobs.once due at 2026-01-01T12:00:00.000Z: no pool connection within 100 ms (not sent)',
      );
      // Its one run (maxLoopCount: 1) is still to come.
      await expect(
        coordinator.claim('Jobs.once', DUE + 1_000, 1_000),
      ).resolves.toBe(true);
    });

    it('should survive a connection lost under a claim in flight, and claim again on a new one', async () => {
      // The pool reaches PostgreSQL through a proxy whose sockets the test
      // cuts: pg reports such a loss as an 'error' event on the client too.
      const target = new URL(DATABASE_URL);
      const cut: Socket[] = [];
      const proxy = createServer((socket) => {
        const upstream = connect(Number(target.port), target.hostname);
        socket.on('error', () => undefined);
        upstream.on('error', () => undefined);
        socket.pipe(upstream).pipe(socket);
        cut.push(socket, upstream);
      });
      await new Promise<void>((resolve) =>
        proxy.listen(0, '127.0.0.1', resolve),
      );
      const proxied = new URL(DATABASE_URL);
      proxied.port = String((proxy.address() as AddressInfo).port);
      const lossy = new Pool({ connectionString: proxied.href, max: 1 });
      lossy.on('error', () => undefined);
      const locker = new Client({ connectionString: DATABASE_URL });
      await locker.connect();
      try {
        const coordinator = new PostgresCoordinator({
          pool: lossy,
          schema,
          claimTimeoutMs: 10_000,
        });
        await coordinator.ensureSchema();
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${schema}.claims`);
        const claim = coordinator.claim('Jobs.lost', DUE, 1_000);
        // Cut once the claim waits for the lock (it is in flight there).
        for (;;) {
          const { rows } = await locker.query(
            `SELECT 1 FROM pg_stat_activity
             WHERE wait_event_type = 'Lock' AND query LIKE '%${schema}.claims%'`,
          );
          if (rows.length > 0) break;
        }
        for (const socket of cut.splice(0)) socket.resetAndDestroy();
        await expect(claim).rejects.toThrow(
          /^PostgreSQL coordinator could not claim Jobs\.lost due at 2026-01-01T12:00:00\.000Z: /,
        );
        await locker.query('ROLLBACK');
        // A new connection serves the next claim (the lost one may still
        // commit there: the server has not noticed yet).
        await expect(
          coordinator.claim('Jobs.lost', DUE + 1_000, 1_000),
        ).resolves.toBe(true);
      } finally {
        await locker.end();
        await lossy.end();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  },
);
