import { spawnSync } from 'node:child_process';
import { describeIfAvailable } from '../replicas/redis-test-env';

/** Where the tests find PostgreSQL: `DATABASE_URL` (no default: no guessing at a server). */
export const DATABASE_URL = process.env.DATABASE_URL ?? '';

// As for Redis: whether the server answers must be known before `describe`
// runs, so a child process connects with pg and the parent waits for it.
const PROBE = `
const { Client } = require('pg');
const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 1500 });
client.connect().then(() => client.query('SELECT 1')).then(
  () => client.end().then(() => process.exit(0)),
  (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); },
);`;

/** @returns null when PostgreSQL answered at `url`, else why it did not */
export function probePostgres(url: string = DATABASE_URL): string | null {
  if (url === '') return 'DATABASE_URL is not set';
  const result = spawnSync(process.execPath, ['-e', PROBE, url], {
    cwd: __dirname,
    timeout: 5_000,
    encoding: 'utf8',
  });
  if (result.status === 0) return null;
  return (
    result.stderr ||
    result.error?.message ||
    `probe exited with ${result.status}`
  ).trim();
}

/**
 * `describe` for suites that need the PostgreSQL at `DATABASE_URL`: skipped
 * with a note without it, failing on CI (like the Redis suites).
 */
export function describeWithPostgres(name: string, body: () => void): void {
  describeIfAvailable(
    name,
    probePostgres(),
    `PostgreSQL at ${DATABASE_URL || '(DATABASE_URL unset)'}`,
    'set DATABASE_URL or source .ci/postgres.sh',
    body,
  );
}

// Compiled into the replica processes too, so it lives with them.
export { postgresSchemaOf } from '../replicas/postgres-schema-of';
