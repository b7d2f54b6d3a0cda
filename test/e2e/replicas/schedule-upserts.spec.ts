import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { ReplicaBuild } from '../../src/replicas/replica-build';
import {
  REDIS_URL,
  describeWithRedis,
} from '../../src/replicas/redis-test-env';
import {
  DATABASE_URL,
  describeWithPostgres,
} from '../../src/postgres/postgres-test-env';
import type {
  UpsertOutcome,
  UpserterMessage,
} from '../../src/replicas/schedule-upserter.main';
import { join } from 'node:path';

// Two processes upsert the same schedule id 50 times each, all at once, with
// five contents interleaved: the store must keep one schedule whose revision
// counts exactly the upserts that changed it, each revision given once.

const UPSERTS = 50;
let build: ReplicaBuild | undefined;

beforeAll(() => {
  build = ReplicaBuild.create();
});

afterAll(() => build?.dispose());

/** Runs two upserter processes against one namespace; their outcomes. */
async function upsertFromTwoProcesses(
  env: Record<string, string>,
): Promise<UpsertOutcome[]> {
  const main = join(
    build!.outDir,
    'test/src/replicas/schedule-upserter.main.js',
  );
  const children = [0, 1].map(() =>
    fork(main, [], {
      env: {
        ...process.env,
        ...env,
        UPSERTS: String(UPSERTS),
        NODE_PATH: build!.nodePath,
      },
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const next = (child: (typeof children)[number]) =>
    new Promise<UpserterMessage>((resolve, reject) => {
      child.once('message', (message: UpserterMessage) =>
        message.type === 'error'
          ? reject(new Error(message.error))
          : resolve(message),
      );
      child.once('exit', (code) =>
        reject(new Error(`upserter exited with ${code}`)),
      );
    });
  try {
    await Promise.all(children.map(next));
    const done = children.map(next);
    for (const child of children) child.send('go');
    const replies = await Promise.all(done);
    return replies.flatMap((reply) =>
      reply.type === 'done' ? reply.outcomes : [],
    );
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

/** The checks both backends share; returns the final revision. */
function expectConsistent(
  outcomes: UpsertOutcome[],
  stored: { revision: number; payload: unknown },
): void {
  expect(outcomes).toHaveLength(2 * UPSERTS);
  // Every reply holds what was written (changed or found equal).
  for (const outcome of outcomes) expect(outcome.holds).toBe(outcome.wrote);
  // Each revision was made by exactly one upsert, and names one content.
  const made = outcomes
    .filter((o) => o.changed)
    .map((o) => o.revision)
    .sort((a, b) => a - b);
  expect(made).toEqual(Array.from({ length: made.length }, (_, i) => i + 1));
  const contentOf = new Map<number, number>();
  for (const { revision, holds } of outcomes) {
    expect(contentOf.get(revision) ?? holds).toBe(holds);
    contentOf.set(revision, holds);
  }
  // The stored schedule is the last change.
  expect(stored.revision).toBe(made.length);
  expect(stored.payload).toEqual({ version: contentOf.get(made.length) });
}

describeWithRedis(
  'Concurrent upserts of one schedule from two processes (Redis)',
  () => {
    it(`should leave one schedule with one revision per change after ${2 * UPSERTS} upserts`, async () => {
      const namespace = `upserts-${randomBytes(6).toString('hex')}`;
      const outcomes = await upsertFromTwoProcesses({
        REDIS_URL,
        NAMESPACE: namespace,
      });
      const redis = new Redis(REDIS_URL);
      try {
        const base = `${namespace}:{schedules}`;
        expect(await redis.hkeys(`${base}:data`)).toEqual(['shared']);
        expect(await redis.zrange(`${base}:ids`, 0, -1)).toEqual(['shared']);
        const value = (await redis.hget(`${base}:data`, 'shared'))!;
        const [revision] = value.split(':');
        const payload: unknown = JSON.parse(
          value.slice(value.indexOf('{')),
        ).payload;
        expectConsistent(outcomes, { revision: Number(revision), payload });
        // One logged (and published) change per revision.
        expect(Number(await redis.hget(`${base}:meta`, 'seq'))).toBe(
          Number(revision),
        );
        const keys = await redis.keys(`${namespace}:*`);
        await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    }, 120_000);
  },
);

describeWithPostgres(
  'Concurrent upserts of one schedule from two processes (PostgreSQL)',
  () => {
    it(`should leave one row with one revision per change after ${2 * UPSERTS} upserts`, async () => {
      const schema = `upserts_${randomBytes(6).toString('hex')}`;
      const outcomes = await upsertFromTwoProcesses({
        COORDINATOR: 'postgres',
        DATABASE_URL,
        NAMESPACE: schema,
      });
      const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
      try {
        const { rows } = await pool.query(
          `SELECT id, revision, payload FROM ${schema}.schedules`,
        );
        expect(rows.map((row) => row.id)).toEqual(['shared']);
        expectConsistent(outcomes, {
          revision: Number(rows[0].revision),
          payload: rows[0].payload,
        });
        const logged = await pool.query(
          `SELECT count(*)::int AS n FROM ${schema}.schedule_changes`,
        );
        expect(logged.rows[0].n).toBe(Number(rows[0].revision));
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await pool.end();
      }
    }, 120_000);
  },
);
