/*
 * `npm run bench:otel`: what OpenTelemetry costs a run.
 *
 * 1. The 10 000 × @Every({ seconds: 1 }) scenario of `npm run bench`
 *    (scenario.child.ts, unchanged) in three variants, interleaved, each in
 *    its own process: @opentelemetry/api hidden, api installed with no SDK,
 *    and an SDK with a batch span processor and a metric reader (otel.sdk.ts).
 * 2. The engine alone (otel.micro.ts): CPU per run on a VirtualClock, in the
 *    same variants plus traces-only and metrics-only.
 *
 * Options: --rounds=N (default 2). Prints two tables and writes
 * bench/results/otel.json.
 */
import { execFileSync, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { ScenarioResult, ScenarioSpec } from './bench.types';
import type { OtelChildExtras } from './otel.child';
import type { OtelMicroResult } from './otel.micro';
import type { OtelVariant } from './otel.sdk';

type OtelScenarioResult = ScenarioResult & OtelChildExtras;

const roundsFlag = process.argv.find((a) => a.startsWith('--rounds='));
const ROUNDS = roundsFlag ? Number(roundsFlag.split('=')[1]) : 2;
const SCENARIO_VARIANTS: OtelVariant[] = ['no-api', 'api', 'sdk'];
const MICRO_VARIANTS: OtelVariant[] = [
  'no-api',
  'api',
  'sdk',
  'sdk-traces-only',
  'sdk-metrics-only',
];

const SPEC: ScenarioSpec = {
  scenario: 'interval',
  library: 'nestjs-aioclock',
  kind: 'interval',
  n: 10_000,
  periodMs: 1000,
  windowMs: 5_000,
  settleMs: 1_500,
  bodyBusyMs: 0,
  methodsPerClass: 100,
};

function runScenario(variant: OtelVariant): Promise<OtelScenarioResult> {
  return new Promise((done, fail) => {
    const child = fork(
      join(__dirname, 'otel.child.js'),
      [JSON.stringify(SPEC), variant],
      {
        execArgv: ['--expose-gc', '--max-old-space-size=4096'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    let result: OtelScenarioResult | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('message', (message) => (result = message as OtelScenarioResult));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result) done(result);
      else fail(new Error(`otel ${variant}: exited with ${code}, no result`));
    });
  });
}

function runMicro(variant: OtelVariant): OtelMicroResult {
  const out = execFileSync(
    process.execPath,
    [join(__dirname, 'otel.micro.js'), variant],
    { encoding: 'utf8', timeout: 180_000 },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as OtelMicroResult;
}

const f = (n: number, digits = 1): string => n.toFixed(digits);

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const load = loadavg()[0];
  const scenario: OtelScenarioResult[] = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const variant of SCENARIO_VARIANTS) {
      process.stderr.write(`scenario ${variant}, round ${round + 1}\n`);
      scenario.push(await runScenario(variant));
    }
  const micro: OtelMicroResult[] = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const variant of MICRO_VARIANTS) {
      process.stderr.write(`micro ${variant}, round ${round + 1}\n`);
      micro.push(runMicro(variant));
    }

  const scenarioTable = table(
    [
      'variant',
      'boot ms',
      'heap MB',
      'late p50 ms',
      'p99 ms',
      'max ms',
      'runs / expected',
      'missed',
      'CPU s',
      'spans exported',
    ],
    scenario.map((r) => [
      r.variant,
      f(r.bootMs, 0),
      f(r.heapAfterInit / 2 ** 20),
      f(r.lateness.p50, 2),
      f(r.lateness.p99, 2),
      f(r.lateness.max, 2),
      `${r.runs} / ${r.expected}`,
      String(r.missed),
      f(r.cpuMs / 1000, 2),
      String(r.spansExported),
    ]),
  );
  const microTable = table(
    ['variant', 'runs', 'wall ns/run', 'CPU ns/run', 'spans exported'],
    micro.map((r) => [
      r.variant,
      String(r.runs),
      f(r.nsPerRun, 0),
      f(r.cpuNsPerRun, 0),
      String(r.spansExported),
    ]),
  );
  const header =
    `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ` +
    `load average ${f(load, 2)} at start, ${f(loadavg()[0], 2)} at end, ` +
    `${Math.round((Date.now() - started) / 1000)} s`;
  process.stdout.write(
    `${header}\n\n10 000 × @Every({ seconds: 1 }), 5 s window:\n${scenarioTable}\n\n` +
      `Engine alone, 10 000 no-op tasks on a VirtualClock, 20 s measured:\n${microTable}\n`,
  );
  const repoRoot = resolve(__dirname, '..', '..');
  writeFileSync(
    join(repoRoot, 'bench', 'results', 'otel.json'),
    JSON.stringify({ header, scenario, micro }, null, 2) + '\n',
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
