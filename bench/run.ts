/*
 * `npm run bench`: every scenario for both libraries, one after the other,
 * each in its own child process (node --expose-gc), then one table on stdout
 * and bench/results/latest.json.
 *
 * Options (for iterating; a filtered or shortened run writes
 * dist-bench/results-partial.json instead of latest.json):
 *   --only=<regex>     run the scenarios whose id matches, e.g. --only='cron-100$'
 *   --quick            2 s windows, 50-run drift, no 100 000
 *   --cpu-prof         write a .cpuprofile per child into bench/profiles/
 */
import { execFile, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  ClaimResult,
  LibraryName,
  ScenarioResult,
  ScenarioSpec,
  TaskKind,
} from './bench.types';
import { runClaimScenario } from './claim.scenario';
import { runClusterBench, type ClusterBenchResult } from './cluster.bench';
import type { SchedulesBenchResult } from './schedules.bench';
import {
  describeScheduleLateness,
  runScheduleLatenessBench,
  type ScheduleLatenessResult,
} from './schedule-lateness.bench';
import {
  findFloorScript,
  type FloorPerDue,
  type FloorResult,
  runFloor,
  runFloorPerDue,
} from './floor';
import { MemoryProbe } from './memory-probe';
import { percentile } from './stats';
import { evaluateTargets } from './targets';
import { renderTable } from './table';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const hit = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split('=')[1] ?? '');
};
const quick = flag('quick') !== undefined;
const only = flag('only');
const cpuProf = flag('cpu-prof') !== undefined;

const repoRoot = resolve(__dirname, '..', '..');
const WINDOW_MS = quick ? 2_000 : 5_000;
const SETTLE_MS = 1_500;
const DRIFT_RUNS = quick ? 50 : 600;
const LIBRARIES: LibraryName[] = ['@nestjs/schedule', 'nestjs-aioclock'];

/** Scenario id, used by --only and in the JSON. */
export function scenarioId(spec: ScenarioSpec): string {
  return `${spec.scenario}-${spec.n}-${spec.library === 'nestjs-aioclock' ? 'aioclock' : 'schedule'}`;
}

function scenarios(): ScenarioSpec[] {
  const list: ScenarioSpec[] = [];
  const base = {
    windowMs: WINDOW_MS,
    settleMs: SETTLE_MS,
    bodyBusyMs: 0,
    methodsPerClass: 100,
    periodMs: 1000,
  };
  for (const n of [100, 1_000, 10_000]) {
    for (const kind of ['cron', 'interval'] as TaskKind[]) {
      for (const library of LIBRARIES)
        list.push({ ...base, scenario: kind, library, kind, n });
    }
  }
  if (!quick) {
    for (const kind of ['interval', 'cron'] as TaskKind[]) {
      list.push({
        ...base,
        scenario: kind,
        library: 'nestjs-aioclock',
        kind,
        n: 100_000,
      });
    }
  }
  for (const library of LIBRARIES) {
    list.push({
      ...base,
      scenario: 'drift',
      library,
      kind: 'interval',
      n: 1,
      periodMs: 100,
      runs: DRIFT_RUNS,
      settleMs: 5_000,
      bodyBusyMs: 30,
    });
  }
  return list.filter(
    (spec) => only === undefined || new RegExp(only).test(scenarioId(spec)),
  );
}

function runChild(spec: ScenarioSpec): Promise<ScenarioResult> {
  const execArgv = [
    '--expose-gc',
    '--max-old-space-size=4096',
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  if (cpuProf) {
    const dir = join(repoRoot, 'bench', 'profiles');
    mkdirSync(dir, { recursive: true });
    execArgv.push(
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      `--cpu-prof-name=${scenarioId(spec)}.cpuprofile`,
    );
  }
  const horizon =
    spec.runs !== undefined ? spec.runs * spec.periodMs : spec.windowMs;
  const limitMs = horizon + spec.settleMs + 120_000;
  return new Promise((resolvePromise, reject) => {
    const child = fork(
      join(__dirname, 'scenario.child.js'),
      [JSON.stringify(spec)],
      { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    let result: ScenarioResult | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${scenarioId(spec)}: no result after ${limitMs} ms`));
    }, limitMs);
    child.on('message', (message) => (result = message as ScenarioResult));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result) resolvePromise(result);
      else
        reject(
          new Error(
            `${scenarioId(spec)}: child exited with code ${code} and no result`,
          ),
        );
    });
  });
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

function packageVersion(name: string): string {
  return (
    JSON.parse(
      readFileSync(
        join(repoRoot, 'node_modules', name, 'package.json'),
        'utf8',
      ),
    ) as { version: string }
  ).version;
}

/** The floor loop's figures with the methods on class prototypes, for the floor line. */
function floorOnPrototypes(
  shapes: { keyed?: FloorPerDue; reflect?: FloorPerDue } | undefined,
): string {
  if (shapes === undefined) return '';
  const line = (label: string, r: FloorPerDue | undefined): string =>
    r === undefined
      ? ''
      : `; ${label}: p99 ${r.afterFirst.p99} ms after the first (last run ${r.lastLateMs.join(' / ')} ms)`;
  return (
    line('on class prototypes, inst[name](ctx)', shapes.keyed) +
    line('on class prototypes, Reflect.get', shapes.reflect)
  );
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<void> {
  const started = Date.now();
  // Other processes skew every figure: record how busy the machine was.
  const loadAtStart = loadavg()[0];
  const list = scenarios();
  const results: ScenarioResult[] = [];
  const failures: string[] = [];
  // Timed in this process around each child, never while one measures (on 2
  // cores the walk would compete with it for the core and the cache).
  const probe = new MemoryProbe();
  for (const spec of list) {
    process.stderr.write(`bench: ${scenarioId(spec)} …`);
    try {
      const before = probe.median();
      const result = await runChild(spec);
      result.memoryProbeMs = { before, after: probe.median() };
      results.push(result);
      process.stderr.write(
        ` boot ${result.bootMs.toFixed(0)} ms, p99 ${result.lateness.p99.toFixed(1)} ms\n`,
      );
    } catch (error) {
      failures.push(String(error));
      process.stderr.write(` FAILED: ${String(error)}\n`);
    }
    // Let the previous process's exit settle before the next one measures.
    await pause(500);
  }

  let claim: ClaimResult = { skipped: 'filtered out' };
  if (only === undefined || new RegExp(only).test('claim')) {
    process.stderr.write('bench: claim …');
    claim = await runClaimScenario(__dirname);
    process.stderr.write(
      claim.skipped
        ? ` skipped: ${claim.skipped}\n`
        : ` median ${claim.medianMs} ms\n`,
    );
  }

  // 3 replicas × 3 000 tasks on each backend whose URL is set (issues 13, 14).
  const cluster: (ClusterBenchResult | { backend: string; skipped: string })[] =
    [];
  for (const backend of ['redis', 'postgres'] as const) {
    if (only !== undefined && !new RegExp(only).test(`cluster-${backend}`))
      continue;
    const url = backend === 'redis' ? 'REDIS_URL' : 'DATABASE_URL';
    process.stderr.write(`bench: cluster-${backend} …`);
    if (process.env[url] === undefined) {
      cluster.push({ backend, skipped: `${url} is not set` });
      process.stderr.write(` skipped: ${url} is not set\n`);
      continue;
    }
    try {
      const result = await runClusterBench(backend, {
        seconds: quick ? 8 : undefined,
      });
      cluster.push(result);
      process.stderr.write(
        ` p99 ${result.late.p99} ms, balance ${result.balance}, missed ${result.missed}, doubled ${result.doubled}\n`,
      );
    } catch (error) {
      failures.push(`cluster-${backend}: ${String(error)}`);
      process.stderr.write(` FAILED: ${String(error)}\n`);
    }
  }

  // 1 000 durable schedules due in the same second on 3 replicas (issue 15).
  let scheduleLateness: ScheduleLatenessResult | { skipped: string } = {
    skipped: 'filtered out',
  };
  if (only === undefined || new RegExp(only).test('schedule-lateness')) {
    process.stderr.write('bench: schedule-lateness …');
    if (process.env.REDIS_URL === undefined) {
      scheduleLateness = { skipped: 'REDIS_URL is not set' };
      process.stderr.write(' skipped: REDIS_URL is not set\n');
    } else {
      try {
        const result = await runScheduleLatenessBench({
          seconds: quick ? 8 : undefined,
        });
        scheduleLateness = result;
        process.stderr.write(
          ` p99 ${result.late.p99} ms, missed ${result.missed}, doubled ${result.doubled}\n`,
        );
      } catch (error) {
        failures.push(`schedule-lateness: ${String(error)}`);
        process.stderr.write(` FAILED: ${String(error)}\n`);
      }
    }
  }

  // 100 000 durable schedules on one Redis (issue 15): upserts per second, a
  // joining replica's load, memory per schedule; its own process, for the heap.
  let schedules: SchedulesBenchResult | { skipped: string } = {
    skipped: 'filtered out',
  };
  if (only === undefined || new RegExp(only).test('schedules-redis')) {
    process.stderr.write('bench: schedules-redis …');
    if (process.env.REDIS_URL === undefined) {
      schedules = { skipped: 'REDIS_URL is not set' };
      process.stderr.write(' skipped: REDIS_URL is not set\n');
    } else {
      try {
        schedules = await runSchedulesChild(quick ? 10_000 : 100_000);
        process.stderr.write(
          ` ${schedules.upsertsPerSecond} upserts/s, loadAll ${schedules.loadAllMs} ms\n`,
        );
      } catch (error) {
        failures.push(`schedules-redis: ${String(error)}`);
        process.stderr.write(` FAILED: ${String(error)}\n`);
      }
    }
  }

  // The floor script's figures, in the same run, for reference (issue 12).
  const floor: FloorResult[] = [];
  if (only === undefined || new RegExp(only).test('floor')) {
    const script = findFloorScript(repoRoot);
    for (const n of quick ? [10_000] : [10_000, 100_000]) {
      process.stderr.write(`bench: floor-${n} …`);
      const result = await runFloor(script, n);
      if (!('skipped' in result)) {
        await pause(500);
        result.perDue = await runFloorPerDue(n);
        await pause(500);
        const keyed = await runFloorPerDue(n, 'prototypes');
        await pause(500);
        const reflect = await runFloorPerDue(n, 'prototypes-reflect');
        result.onPrototypes = { keyed, reflect };
      }
      floor.push(result);
      process.stderr.write(
        'skipped' in result
          ? ` skipped: ${result.skipped}\n`
          : ` p99 ${result.p99} ms\n`,
      );
      await pause(500);
    }
  }

  const targets = evaluateTargets(results, floor);
  const probes = results
    .flatMap((r) =>
      r.memoryProbeMs ? [r.memoryProbeMs.before, r.memoryProbeMs.after] : [],
    )
    .sort((a, b) => a - b);
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1m: { start: round2(loadAtStart), end: round2(loadavg()[0]) },
    /** `MemoryProbe` around the scenarios: the same walk, so only the machine moves it. */
    memoryProbeMs:
      probes.length === 0
        ? null
        : {
            min: probes[0],
            median: percentile(probes, 50),
            max: probes[probes.length - 1],
          },
  };
  const versions = {
    '@nestjs/core': packageVersion('@nestjs/core'),
    '@nestjs/schedule': packageVersion('@nestjs/schedule'),
    cron: packageVersion('cron'),
  };
  const output = {
    date: new Date().toISOString(),
    command: `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`,
    machine,
    versions,
    totalSeconds: Math.round((Date.now() - started) / 1000),
    results: results.map((r) => ({ id: scenarioId(r.spec), ...r })),
    claim,
    cluster,
    scheduleLateness,
    schedules,
    floor,
    targets,
    failures,
  };

  process.stdout.write('\n' + renderTable(results, claim) + '\n');
  if (floor.length > 0) {
    process.stdout.write(
      '\nFloor (dispatch-floor.js, N runs due at one instant, lateness over 6 due times):\n',
    );
    for (const f of floor)
      process.stdout.write(
        'skipped' in f
          ? `  ${f.n}: skipped (${f.skipped})\n`
          : `  ${f.n}: p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms` +
              (f.perDue
                ? `; per due time (floor-per-due.js): last run ${f.perDue.lastLateMs.join(' / ')} ms, after the first p99 ${f.perDue.afterFirst.p99} ms`
                : '') +
              floorOnPrototypes(f.onPrototypes) +
              '\n',
      );
  }
  for (const c of cluster)
    process.stdout.write(
      'skipped' in c
        ? `\nCluster on ${c.backend}: skipped (${c.skipped})\n`
        : `\nCluster on ${c.backend}: ${c.replicas} replicas × ${c.tasks} @Every({ seconds: 1 }), ${c.windowSeconds} s, ${c.runs} runs: ` +
            `lateness p50 ${c.late.p50} / p99 ${c.late.p99} / max ${c.late.max} ms; missed ${c.missed}, doubled ${c.doubled}; ` +
            `runs per replica ${Object.values(c.runsPerReplica).join(' / ')} (${c.balance}×); failed ${c.failed}\n` +
            (c.redis
              ? `  Redis: ${c.redis.commandsPerRun} commands per run (scripts included), ${c.redis.scriptsPerRun} EVALSHA per run, CPU ${c.redis.cpuPercent} % of a core, ${c.redis.bytesPerTask} B per task\n`
              : '') +
            (c.postgres
              ? `  PostgreSQL: ${c.postgres.statementsPerDuePerReplica} statements per due time and replica, ${c.postgres.rowsWrittenPerRun} rows written per run; tables: ${Object.entries(
                  c.postgres.tableBytes,
                )
                  .map(([t, b]) => `${t} ${(b / 1024).toFixed(0)} KiB`)
                  .join(', ')}\n`
              : ''),
    );
  if (!('skipped' in schedules))
    process.stdout.write(
      `\n${schedules.schedules} durable schedules on Redis: ${schedules.upsertsPerSecond} new / ${schedules.unchangedUpsertsPerSecond} unchanged upserts per second, a joining replica loads them in ${schedules.loadAllMs} ms and boots in ${schedules.replicaBootMs ?? '?'} ms, ${schedules.backendBytesPerSchedule} B per schedule in Redis, ${schedules.heapBytesPerSchedule ?? '?'} B of heap per loaded schedule\n`,
    );
  if (!('skipped' in scheduleLateness))
    process.stdout.write(
      `\nDurable schedules on Redis: ${describeScheduleLateness(scheduleLateness)}\n`,
    );
  else if (scheduleLateness.skipped !== 'filtered out')
    process.stdout.write(
      `\nDurable schedules: skipped (${scheduleLateness.skipped})\n`,
    );
  process.stdout.write('\nTargets (issues 6 and 12):\n');
  for (const t of targets)
    process.stdout.write(
      `  ${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.measured}\n`,
    );
  for (const f of failures) process.stdout.write(`  FAILED  ${f}\n`);

  const partial = quick || only !== undefined;
  const file = partial
    ? join(repoRoot, 'dist-bench', 'results-partial.json')
    : join(repoRoot, 'bench', 'results', 'latest.json');
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(output, null, 2) + '\n');
  process.stdout.write(
    `\n${machine.nproc} × ${machine.cpu}, node ${machine.node}, load average ${machine.loadAverage1m.start} → ${machine.loadAverage1m.end}; ` +
      (machine.memoryProbeMs === null
        ? ''
        : `memory probe (a 2 MiB random walk, the same each time) ${machine.memoryProbeMs.min}–${machine.memoryProbeMs.max} ms, median ${machine.memoryProbeMs.median}; `) +
      `${output.totalSeconds} s; written to ${file.slice(repoRoot.length + 1)}\n`,
  );
  if (failures.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/** `schedules.bench.js` on Redis only, in its own `--expose-gc` process; its JSON line. */
function runSchedulesChild(count: number): Promise<SchedulesBenchResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, SCHEDULES: String(count) };
  delete env.DATABASE_URL;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', join(__dirname, 'schedules.bench.js')],
      { env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => {
        if (error) return reject(error);
        const line = stdout
          .split('\n')
          .find((l) => l.startsWith('{') && l.includes('"backend":"redis"'));
        if (line === undefined)
          return reject(new Error('no result line from schedules.bench.js'));
        resolve(JSON.parse(line) as SchedulesBenchResult);
      },
    );
  });
}
