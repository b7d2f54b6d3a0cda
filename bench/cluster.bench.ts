/*
 * The cluster at scale (issues 13 and 14): 3 replica processes sharing
 * 3 000 `@Every({ seconds: 1 })` tasks through one Redis, then through one
 * PostgreSQL, for a window of ~34 s (≈ 100 000 runs). Reports lateness,
 * exactly-once over the window, runs per replica, and the backend's cost:
 * Redis commands per run, Redis CPU and memory per task; PostgreSQL
 * statements per due time, rows written per run, table sizes at the end.
 *
 * `REDIS_URL=… DATABASE_URL=… node dist-bench/bench/cluster.bench.js`
 * (`--backend=redis|postgres`, `--tasks=N`, `--seconds=S`); `npm run bench`
 * calls `runClusterBench` for each backend whose URL is set.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import type { ReplicaReport } from './cluster.replica';
import { type ReplicaRuns, tallyReplicaRuns } from './replica-runs';

export { percentile } from './replica-runs';

const REPLICAS = 3;
/** Due times this close to the window's edges are left out of the checks. */
const EDGE_MS = 2_000;

/** What the cluster bench measured for one backend. */
export interface ClusterBenchResult extends ReplicaRuns {
  backend: 'redis' | 'postgres';
  replicas: number;
  tasks: number;
  windowSeconds: number;
  /** Redis: commands per run, CPU % of one core, bytes per task. */
  redis?: {
    /** Every command Redis ran, those inside scripts included. */
    commandsPerRun: number;
    /** EVAL/EVALSHA calls: the scripts replicas sent. */
    scriptsPerRun: number;
    cpuPercent: number;
    bytesPerTask: number;
  };
  /** PostgreSQL: statements per due time per replica, rows written per run, table sizes. */
  postgres?: {
    statementsPerDuePerReplica: number;
    rowsWrittenPerRun: number;
    tableBytes: Record<string, number>;
  };
}

/** The p-quantile (0–1) of ascending `sorted`, nearest rank; NaN when empty. */

const round = (value: number, digits = 2) =>
  Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startReplica(env: Record<string, string>): ChildProcess {
  return fork(join(__dirname, 'cluster.replica.js'), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // BENCH_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=bench/profiles`) reach each replica.
    execArgv: (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  });
}

/** The child's next IPC message of `type`; rejects when it exits first. */
export function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) =>
      reject(new Error(`replica exited (${code}) before '${type}'`)),
    );
  });
}

interface BackendProbe {
  /** At the window's start and end. */
  before(): Promise<void>;
  after(): Promise<void>;
  /** Adds the backend's figures to the result. */
  report(result: ClusterBenchResult, windowMs: number): Promise<void>;
  cleanup(): Promise<void>;
}

function redisProbe(
  url: string,
  namespace: string,
  tasks: number,
  baseline: number,
): BackendProbe {
  const admin = new Redis(url);
  type Stats = { calls: number; scripts: number; cpu: number; memory: number };
  let start: Stats = { calls: 0, scripts: 0, cpu: 0, memory: 0 };
  let end = start;
  const stats = async (): Promise<Stats> => {
    const info = await admin.info('all');
    const calls = [...info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
    const field = (name: string) =>
      Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
    const scripts = [
      ...info.matchAll(/^cmdstat_eval(?:sha)?:calls=(\d+)/gm),
    ].reduce((sum, match) => sum + Number(match[1]), 0);
    return {
      calls,
      scripts,
      cpu: field('used_cpu_user') + field('used_cpu_sys'),
      memory: field('used_memory'),
    };
  };
  return {
    async before() {
      start = await stats();
    },
    async after() {
      end = await stats();
    },
    async report(result, windowMs) {
      result.redis = {
        // The probe's own INFO call is one of these; negligible.
        commandsPerRun: round((end.calls - start.calls) / result.runs),
        scriptsPerRun: round((end.scripts - start.scripts) / result.runs, 3),
        cpuPercent: round(((end.cpu - start.cpu) * 1000 * 100) / windowMs, 1),
        // Memory is measured from before the replicas started.
        bytesPerTask: Math.round((end.memory - baseline) / tasks),
      };
    },
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(
          cursor,
          'MATCH',
          `${namespace}:*`,
          'COUNT',
          1000,
        );
        cursor = next;
        if (keys.length > 0) await admin.del(...keys);
      } while (cursor !== '0');
      admin.disconnect();
    },
  };
}

function postgresProbe(url: string, schema: string): BackendProbe {
  const pool = new Pool({ connectionString: url, max: 1 });
  let written = 0;
  let writtenEnd = 0;
  let sizes: { t: string; b: string }[] = [];
  const rowsWritten = async () => {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT COALESCE(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS n
       FROM pg_stat_user_tables WHERE schemaname = $1`,
      [schema],
    );
    return Number(rows[0].n);
  };
  return {
    async before() {
      // Statistics are sent at transaction end and read from a snapshot.
      await pool.query('SELECT pg_stat_clear_snapshot()');
      written = await rowsWritten();
    },
    async after() {
      await pool.query('SELECT pg_stat_clear_snapshot()');
      writtenEnd = await rowsWritten();
      ({ rows: sizes } = await pool.query<{ t: string; b: string }>(
        `SELECT c.relname AS t, pg_total_relation_size(c.oid) AS b
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1`,
        [schema],
      ));
    },
    async report(result) {
      result.postgres = {
        statementsPerDuePerReplica: NaN,
        rowsWrittenPerRun: round((writtenEnd - written) / result.runs),
        tableBytes: Object.fromEntries(sizes.map((s) => [s.t, Number(s.b)])),
      };
    },
    async cleanup() {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

async function redisUsedMemory(url: string): Promise<number> {
  const admin = new Redis(url);
  try {
    const info = await admin.info('memory');
    return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
  } finally {
    admin.disconnect();
  }
}

/**
 * Runs 3 replicas on one backend and measures them.
 * @param backend 'redis' (REDIS_URL) or 'postgres' (DATABASE_URL)
 */
export async function runClusterBench(
  backend: 'redis' | 'postgres',
  options: { tasks?: number; seconds?: number } = {},
): Promise<ClusterBenchResult> {
  const tasks = options.tasks ?? 3_000;
  const windowMs = (options.seconds ?? 34) * 1_000;
  const id = randomBytes(4).toString('hex');
  const namespace = `aioclock_bench_${id}`;
  const url =
    backend === 'redis' ? process.env.REDIS_URL : process.env.DATABASE_URL;
  if (url === undefined)
    throw new Error(
      `${backend === 'redis' ? 'REDIS_URL' : 'DATABASE_URL'} is not set`,
    );
  const baseline = backend === 'redis' ? await redisUsedMemory(url) : 0;
  const probe =
    backend === 'redis'
      ? redisProbe(url, namespace, tasks, baseline)
      : postgresProbe(url, namespace);
  const children = Array.from({ length: REPLICAS }, (_, i) =>
    startReplica({
      BACKEND: backend,
      REPLICA_ID: `replica-${String.fromCharCode(97 + i)}`,
      NAMESPACE: namespace,
      TASKS: String(tasks),
    }),
  );
  try {
    await Promise.all(children.map((child) => nextMessage(child, 'ready')));
    // Ownership settles within a heartbeat; leave the joins out.
    await sleep(3_000);
    await probe.before();
    for (const child of children) child.send('mark');
    const from = Date.now();
    await sleep(windowMs);
    const to = Date.now();
    for (const child of children) child.send('mark');
    // PostgreSQL's counters arrive at transaction end: give them a moment.
    if (backend === 'postgres') await sleep(1_000);
    await probe.after();
    const reports = await Promise.all(
      children.map((child) => {
        const report = nextMessage<ReplicaReport>(child, 'report');
        child.send('stop');
        return report;
      }),
    );
    return await summarize(backend, tasks, windowMs, from, to, reports, probe);
  } finally {
    // A profiled replica writes its profile when it exits on its own.
    if (process.env.BENCH_NODE_FLAGS)
      await Promise.race([
        Promise.all(
          children.map(
            (child) =>
              new Promise((resolve) =>
                child.exitCode !== null
                  ? resolve(undefined)
                  : child.once('exit', resolve),
              ),
          ),
        ),
        sleep(15_000),
      ]);
    for (const child of children) if (child.exitCode === null) child.kill();
    await sleep(500);
    await probe.cleanup().catch(() => undefined);
  }
}

async function summarize(
  backend: 'redis' | 'postgres',
  tasks: number,
  windowMs: number,
  from: number,
  to: number,
  reports: ReplicaReport[],
  probe: BackendProbe,
): Promise<ClusterBenchResult> {
  const result: ClusterBenchResult = {
    backend,
    replicas: reports.length,
    tasks,
    windowSeconds: windowMs / 1_000,
    ...tallyReplicaRuns(reports, tasks, {
      countFrom: from,
      countTo: to,
      checkFrom: from + EDGE_MS,
      checkTo: to - EDGE_MS,
    }),
  };
  await probe.report(result, windowMs);
  if (result.postgres !== undefined) {
    // Statements each replica sent between the two marks, per second (one
    // due time per second): claims, run ends, history and heartbeats.
    const statements = reports.reduce(
      (sum, r) => sum + (r.statementMarks[1] - r.statementMarks[0]),
      0,
    );
    result.postgres.statementsPerDuePerReplica = round(
      statements / reports.length / ((to - from) / 1_000),
    );
  }
  return result;
}

if (require.main === module) {
  const arg = (name: string) =>
    process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const backends = (arg('backend') ?? 'redis,postgres').split(',') as (
    'redis' | 'postgres'
  )[];
  void (async () => {
    for (const backend of backends) {
      const result = await runClusterBench(backend, {
        tasks: arg('tasks') === undefined ? undefined : Number(arg('tasks')),
        seconds:
          arg('seconds') === undefined ? undefined : Number(arg('seconds')),
      });
      process.stdout.write(JSON.stringify(result) + '\n');
    }
  })();
}
