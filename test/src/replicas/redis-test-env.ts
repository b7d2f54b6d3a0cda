import { spawnSync } from 'node:child_process';

/** Where the tests find Redis: `REDIS_URL`, else the default local port. */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** True on a CI runner, where a missing Redis is a failure, not a skip. */
export const IN_CI =
  !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

// Jest registers tests synchronously, so whether Redis answers has to be known
// before `describe` runs: a child process pings it (with ioredis, so auth, db
// and TLS in the URL work) and the parent waits for its exit code.
const PROBE = `
const Redis = require('ioredis');
const client = new Redis(process.argv[1], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
let first;
client.on('error', (e) => { first = first || e.message; });
client.connect().then(() => client.ping()).then(
  () => { client.disconnect(); process.exit(0); },
  (e) => { process.stderr.write(first || String(e && e.message || e)); process.exit(1); },
);`;

/**
 * Pings `url` synchronously.
 * @returns null when Redis answered, else why it did not
 */
export function probeRedis(url: string = REDIS_URL): string | null {
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
 * `describe` for suites that need the Redis at `REDIS_URL`. When it does not
 * answer: on CI the suite fails (its `beforeAll` throws); elsewhere it is
 * skipped with one console note, so contributors without Redis can run the rest.
 */
export function describeWithRedis(name: string, body: () => void): void {
  describeIfAvailable(
    name,
    probeRedis(),
    `Redis at ${REDIS_URL}`,
    'set REDIS_URL or source .ci/redis.sh',
    body,
  );
}

/**
 * `describe` for suites that need some real component: runs them when
 * `unavailable` is null; otherwise fails them on CI and skips them elsewhere,
 * with one console note naming what is missing and how to provide it.
 * @param unavailable null when the component is there, else why it is not
 */
export function describeIfAvailable(
  name: string,
  unavailable: string | null,
  component: string,
  remedy: string,
  body: () => void,
): void {
  if (unavailable === null) {
    describe(name, body);
    return;
  }
  if (IN_CI) {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(
          `CI is set but ${component} is not available (${unavailable}); ${remedy}`,
        );
      });
      body();
    });
    return;
  }
  console.warn(
    `Skipping "${name}": ${component} is not available (${unavailable}); ${remedy} to run it.`,
  );
  describe.skip(name, body);
}
