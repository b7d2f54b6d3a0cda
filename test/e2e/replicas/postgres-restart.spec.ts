import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import {
  coordinatorRecovered,
  coordinatorUnavailable,
} from '../../../lib/aioclock.messages';
import {
  DATABASE_URL,
  describeWithPostgres,
  postgresSchemaOf,
} from '../../src/postgres/postgres-test-env';
import { ReplicaBuild } from '../../src/replicas/replica-build';
import { ReplicaProcess } from '../../src/replicas/replica-process';
import {
  REDIS_URL,
  describeIfAvailable,
} from '../../src/replicas/redis-test-env';
import {
  deleteNamespace,
  notExactlyOnce,
  ranTwice,
  readLedger,
} from '../../src/replicas/run-ledger';

// Issue 14: PostgreSQL restarted for 5 s under three replicas coordinated by
// PostgresCoordinator (the runs are recorded in Redis). No crash, the outage
// logged once, nothing doubled, and exactly once again after it.

const LEASE_TTL_MS = 3_000;
const DOWN_MS = 5_000;
const EDGE_MS = 1_000;
const UNAVAILABLE = coordinatorUnavailable(new Error('<cause>')).split(
  '<cause>',
)[0];
const RECOVERED = coordinatorRecovered();
// .ci/postgres.sh exports how to stop and start its private server.
const STOP = process.env.AIOCLOCK_POSTGRES_STOP ?? '';
const START = process.env.AIOCLOCK_POSTGRES_START ?? '';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const untilSecondFraction = (ms: number) =>
  sleep((ms - (Date.now() % 1_000) + 1_000) % 1_000);

describeWithPostgres('Replicas when PostgreSQL restarts', () =>
  describeIfAvailable(
    'with a server this test may stop',
    STOP && START ? null : 'AIOCLOCK_POSTGRES_STOP/START are not set',
    'a private PostgreSQL from .ci/postgres.sh',
    'source .ci/postgres.sh',
    () => {
      const namespace = `aioclock-pgrestart-${randomBytes(4).toString('hex')}`;
      let build: ReplicaBuild | undefined;
      let replicas: ReplicaProcess[] = [];
      let admin: Redis;

      beforeAll(() => {
        build = ReplicaBuild.create();
        admin = new Redis(REDIS_URL);
      });

      afterAll(async () => {
        await Promise.all(replicas.map((replica) => replica.kill()));
        build?.dispose();
        if (admin) {
          await deleteNamespace(admin, namespace).catch(() => undefined);
          admin.disconnect();
        }
        const { Pool } = await import('pg');
        const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
        await pool
          .query(`DROP SCHEMA IF EXISTS ${postgresSchemaOf(namespace)} CASCADE`)
          .catch(() => undefined);
        await pool.end();
      });

      it('should keep every replica alive, log the outage once and resume exactly once, nothing doubled', async () => {
        replicas = ['replica-a', 'replica-b', 'replica-c'].map(
          (id) =>
            new ReplicaProcess(build!, id, {
              COORDINATOR: 'postgres',
              DATABASE_URL,
              REDIS_URL,
              REPLICA_NAMESPACE: namespace,
              REPLICA_LEASE_TTL_MS: String(LEASE_TTL_MS),
            }),
        );
        await Promise.all(replicas.map((replica) => replica.whenReady()));
        const from = Math.max(...replicas.map((r) => r.readyAt!));

        await sleep(3_000);
        await untilSecondFraction(500);
        const downAt = Date.now();
        execSync(STOP, { stdio: 'ignore', shell: '/bin/bash' });
        await sleep(DOWN_MS);
        execSync(START, { stdio: 'ignore', shell: '/bin/bash' });
        const upAt = Date.now();
        // Members rejoin within a heartbeat; ownership is settled after leaseTtlMs.
        await sleep(LEASE_TTL_MS + 4_000);
        const to = Date.now();

        for (const replica of replicas) expect(replica.exit).toBeNull();
        await Promise.all(replicas.map((replica) => replica.stop()));
        for (const replica of replicas)
          expect(replica.exit).toEqual({
            code: 0,
            signal: null,
            expected: true,
          });

        const failures = replicas.flatMap((replica) => replica.failures);
        expect(
          failures.filter((f) => f.name === 'every').length,
        ).toBeGreaterThanOrEqual(2);
        for (const replica of replicas) {
          const claims = replica.failures.filter(
            (f) => f.name === 'every' || f.name === 'cron',
          );
          for (const failure of claims)
            expect(failure.error).toMatch(
              /^PostgreSQL coordinator could not claim (every|cron) due at /,
            );
          if (claims.length < 2) continue;
          // Logged once for the outage (not once per run), and the recovery.
          const outages = replica.output
            .split('\n')
            .filter((line) => line.includes(UNAVAILABLE));
          expect(outages).toHaveLength(1);
          expect(replica.count(RECOVERED)).toBeGreaterThanOrEqual(1);
        }

        const ledger = await readLedger(admin, namespace);
        expect(ranTwice(ledger)).toEqual([]);
        for (const [task, period] of [
          ['every', 1_000],
          ['cron', 2_000],
        ] as const) {
          expect(
            notExactlyOnce(
              ledger,
              task,
              period,
              from + EDGE_MS,
              downAt - EDGE_MS,
            ),
          ).toEqual([]);
          expect(
            notExactlyOnce(
              ledger,
              task,
              period,
              upAt + LEASE_TTL_MS,
              to - EDGE_MS,
            ),
          ).toEqual([]);
        }
      }, 120_000);
    },
  ),
);
