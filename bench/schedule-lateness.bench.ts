/*
 * Durable schedules due together (issue 15): SCHEDULES (default 1 000)
 * schedules due every second, upserted into one Redis, run by 3 replica
 * processes for a window of ~20 s. Reports the lateness of their runs (from
 * the due time to the handler's entry) p50 / p99 / max, exactly-once over
 * the window and runs per replica. Target: p99 ≤ 100 ms.
 *
 * `REDIS_URL=… node dist-bench/bench/schedule-lateness.bench.js`
 * (`--schedules=N`, `--seconds=S`); `npm run bench` runs it (id
 * `schedule-lateness`) when REDIS_URL is set.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisCoordinator } from '../lib/coordination/redis.coordinator';
import { nextMessage } from './cluster.bench';
import { type ReplicaRuns, tallyReplicaRuns } from './replica-runs';
import type { ReplicaReport } from './cluster.replica';
import { BENCH_SCHEDULE_HANDLER } from './schedule-lateness.replica';

const REPLICAS = 3;
/** Due times this close to the window's edges are left out of the checks. */
const EDGE_MS = 2_000;

/** What the schedule lateness bench measured. */
export interface ScheduleLatenessResult extends ReplicaRuns {
  backend: 'redis';
  replicas: number;
  schedules: number;
  windowSeconds: number;
  /** The upserts' time, in ms (not part of the lateness). */
  upsertMs: number;
}

const round = (value: number, digits = 2) =>
  Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startReplica(env: Record<string, string>): ChildProcess {
  return fork(join(__dirname, 'schedule-lateness.replica.js'), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  });
}

/** Deletes every key under `namespace`. */
async function deleteKeys(admin: Redis, namespace: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(
      cursor,
      'MATCH',
      `${namespace}:*`,
      'COUNT',
      1_000,
    );
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
}

/** Runs the bench against the Redis at REDIS_URL. */
export async function runScheduleLatenessBench(
  options: { schedules?: number; seconds?: number } = {},
): Promise<ScheduleLatenessResult> {
  const schedules = options.schedules ?? 1_000;
  const windowMs = (options.seconds ?? 20) * 1_000;
  const url = process.env.REDIS_URL;
  if (url === undefined) throw new Error('REDIS_URL is not set');
  const namespace = `aioclock_sched_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Redis(url);
  const children: ChildProcess[] = [];
  try {
    // Written as an app would, through a coordinator's store.
    const store = new RedisCoordinator({ client: admin, keyPrefix: namespace })
      .schedules;
    const upsertStarted = performance.now();
    for (let from = 0; from < schedules; from += 100)
      await Promise.all(
        Array.from({ length: Math.min(100, schedules - from) }, (_, k) =>
          store.upsert({
            id: `customer-${String(from + k).padStart(6, '0')}`,
            handler: BENCH_SCHEDULE_HANDLER,
            trigger: { type: 'every', seconds: 1 },
            payload: { i: from + k },
            options: {},
            startAt: null,
            endAt: null,
            enabled: true,
          }),
        ),
      );
    const upsertMs = performance.now() - upsertStarted;
    for (let i = 0; i < REPLICAS; i++)
      children.push(
        startReplica({
          REPLICA_ID: `replica-${String.fromCharCode(97 + i)}`,
          NAMESPACE: namespace,
        }),
      );
    await Promise.all(children.map((child) => nextMessage(child, 'ready')));
    // Ownership settles within a heartbeat; leave the joins out.
    await sleep(3_000);
    const from = Date.now();
    await sleep(windowMs);
    const to = Date.now();
    const reports = await Promise.all(
      children.map((child) => {
        const report = nextMessage<ReplicaReport>(child, 'report');
        child.send('stop');
        return report;
      }),
    );
    return {
      ...summarize(schedules, windowMs, from, to, reports),
      upsertMs: round(upsertMs, 0),
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
    await sleep(500);
    await deleteKeys(admin, namespace).catch(() => undefined);
    admin.disconnect();
  }
}

function summarize(
  schedules: number,
  windowMs: number,
  from: number,
  to: number,
  reports: ReplicaReport[],
): Omit<ScheduleLatenessResult, 'upsertMs'> {
  return {
    backend: 'redis',
    replicas: reports.length,
    schedules,
    windowSeconds: windowMs / 1_000,
    ...tallyReplicaRuns(reports, schedules, {
      countFrom: Math.ceil((from + EDGE_MS) / 1_000) * 1_000,
      countTo: to - EDGE_MS - 1,
      checkFrom: from + EDGE_MS,
      checkTo: to - EDGE_MS,
    }),
  };
}

/** One line for the bench's report. */
export function describeScheduleLateness(r: ScheduleLatenessResult): string {
  return (
    `${r.replicas} replicas × ${r.schedules} durable schedules due every second, ${r.windowSeconds} s, ${r.runs} runs: ` +
    `lateness p50 ${r.late.p50} / p99 ${r.late.p99} / max ${r.late.max} ms; missed ${r.missed}, doubled ${r.doubled}; ` +
    `runs per replica ${Object.values(r.runsPerReplica).join(' / ')} (${r.balance}×); failed ${r.failed}; upserts ${r.upsertMs} ms`
  );
}

if (require.main === module) {
  const arg = (name: string) =>
    process.argv
      .find((a) => a.startsWith(`--${name}=`))
      ?.slice(name.length + 3);
  const schedules = arg('schedules');
  const seconds = arg('seconds');
  runScheduleLatenessBench({
    schedules: schedules === undefined ? undefined : Number(schedules),
    seconds: seconds === undefined ? undefined : Number(seconds),
  }).then(
    (result) => {
      process.stdout.write(describeScheduleLateness(result) + '\n');
      process.stdout.write(JSON.stringify(result) + '\n');
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
