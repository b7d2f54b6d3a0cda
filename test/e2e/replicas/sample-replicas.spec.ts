import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  compileSample,
  SAMPLE_REPLICAS_MAIN,
} from '../../src/faults/sample-process';
import {
  REDIS_URL,
  describeWithRedis,
} from '../../src/replicas/redis-test-env';
import { deleteNamespace } from '../../src/replicas/run-ledger';

// `npm run sample:replicas`, twice, against the Redis at REDIS_URL (as API.md
// says the sample reads it): real processes and real time, for a few seconds.

const RUN_FOR_MS = 6_500;

/** Runs the compiled replicas sample until it stops itself; resolves with its output. */
function runReplica(keyPrefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SAMPLE_REPLICAS_MAIN], {
      cwd: join(__dirname, '..', '..', '..'),
      env: {
        ...process.env,
        NO_COLOR: '1',
        REDIS_URL,
        SAMPLE_KEY_PREFIX: keyPrefix,
        SAMPLE_RUN_FOR_MS: String(RUN_FOR_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), RUN_FOR_MS + 15_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      if (code === 0) resolve(output);
      else reject(new Error(`replica exited with ${code}:\n${output}`));
    });
  });
}

/** The due times of `ReportsTasks.snapshot` a replica logged having run. */
const snapshotDues = (output: string): string[] =>
  [
    ...output.matchAll(
      /ran ReportsTasks\.snapshot #\d+ \(group reports, due (\S+)\)/g,
    ),
  ].map((match) => match[1]);

/** Runs of the timed tasks a replica logged (lifecycle tasks left out). */
const timedRuns = (output: string): number =>
  (
    output.match(
      /ran (ReportsTasks\.snapshot|reports\.digest|CleanupTasks\.(purgeTemp|rotateLogs))/g,
    ) ?? []
  ).length;

describeWithRedis('the sample as replicas (npm run sample:replicas)', () => {
  const keyPrefix = `aioclock-sample-test-${randomBytes(4).toString('hex')}`;

  beforeAll(() => compileSample(), 120_000);

  afterAll(async () => {
    const admin = new Redis(REDIS_URL);
    await deleteNamespace(admin, keyPrefix);
    await admin.quit();
  });

  it(
    'should share the timed tasks between two replicas, each due time on one of them',
    async () => {
      const [a, b] = await Promise.all([
        runReplica(keyPrefix),
        runReplica(keyPrefix),
      ]);
      for (const output of [a, b]) {
        expect(output).toContain('start another with npm run sample:replicas');
        expect(output).toContain(
          'storage flushed after every other task stopped',
        );
      }
      // Both replicas did some of the work…
      expect(timedRuns(a)).toBeGreaterThan(0);
      expect(timedRuns(b)).toBeGreaterThan(0);
      // …and no due time of the snapshot ran on both.
      const dues = [...snapshotDues(a), ...snapshotDues(b)];
      expect(dues.length).toBeGreaterThanOrEqual(2);
      expect(new Set(dues).size).toBe(dues.length);
    },
    RUN_FOR_MS + 30_000,
  );
});
