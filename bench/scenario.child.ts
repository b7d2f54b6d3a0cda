/*
 * One benchmark scenario in its own process (run with --expose-gc):
 * generate N tasks, boot the app, measure heap, record every run for the
 * window, close, analyse, and send the result to the parent over IPC.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { BenchAdapter } from './bench.adapter';
import type { ScenarioResult, ScenarioSpec } from './bench.types';
import {
  analyzeRuns,
  type CheckWindow,
  type IdealSchedule,
} from './run.analysis';
import { hiresNow, RunRecorder } from './run.recorder';

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Calls the instrument every task body runs (hiresNow, RunRecorder.record)
 * enough times for V8 to optimise it, on a scratch recorder, before the app
 * exists — identically in both libraries' children. Otherwise the first due
 * time measures the instrument's own first calls: with 10 000 tasks, profiles
 * showed ~10 of the first due time's ~15 ms spent interpreting it, in either
 * library. The task methods themselves stay cold, as in a real app.
 */
function warmInstrument(): void {
  const scratch = new RunRecorder(1_000);
  for (let i = 0; i < 50_000; i++) {
    if (scratch.length === scratch.capacity) scratch.length = 0;
    scratch.record(i, i, hiresNow());
  }
}

/** Median of Date.now() − hiresNow(): both are wall clock; they should agree to within 1 ms. */
function wallMinusHires(): number {
  const d: number[] = [];
  for (let i = 0; i < 101; i++) d.push(Date.now() - hiresNow());
  d.sort((a, b) => a - b);
  return d[50];
}

async function runScenario(spec: ScenarioSpec): Promise<ScenarioResult> {
  const notes: string[] = [];
  const file =
    spec.library === 'nestjs-aioclock'
      ? './aioclock.app'
      : './nestjs-schedule.app';
  // Only this library is loaded in this process.
  const { adapter } = (await import(file)) as { adapter: BenchAdapter };

  const horizonMs =
    spec.runs !== undefined ? spec.runs * spec.periodMs : spec.windowMs;
  // Runs during bootstrap, the window and the settle time, with room to spare.
  const perTask =
    Math.ceil((horizonMs + spec.settleMs + 5_000) / spec.periodMs) + 4;
  const recorder = new RunRecorder(spec.n * perTask);
  warmInstrument();

  const t0 = performance.now();
  const rootModule = adapter.prepare(spec, recorder);
  const decorateMs = performance.now() - t0;

  fullGc();
  const heapBeforeApp = process.memoryUsage().heapUsed;

  const bootStart = hiresNow();
  const app = await NestFactory.createApplicationContext(rootModule, {
    logger: ['error', 'warn'],
  });
  const bootEnd = hiresNow();
  const bootMs = bootEnd - bootStart;

  let ideal: IdealSchedule;
  let badAnchors = 0;
  if (spec.kind === 'cron' && adapter.cronSchedule) {
    const schedule = adapter.cronSchedule(app, spec, bootStart, bootEnd);
    ideal = schedule.ideal;
    badAnchors = schedule.badAnchors;
    notes.push(...schedule.notes);
  } else if (spec.kind === 'cron') {
    // `* * * * * *`: due at every whole second.
    const origin = new Float64Array(spec.n).fill(
      Math.floor(bootEnd / 1000) * 1000,
    );
    ideal = { mode: 'declared', periodMs: 1000, origin };
  } else {
    const schedule = adapter.intervalSchedule(app, spec, bootStart, bootEnd);
    ideal = schedule.ideal;
    badAnchors = schedule.badAnchors;
    notes.push(...schedule.notes);
  }

  fullGc();
  const memory = process.memoryUsage();
  // The window starts after the heap measurement, so the GC pause never delays a checked run.
  const windowStart = hiresNow();

  let window: CheckWindow;
  if (spec.runs !== undefined) {
    window = { runs: spec.runs };
    // Until every task's last checked run has happened (a drifting one comes
    // late), at most settleMs after its ideal time.
    const idealEnd = ideal.origin[0] + spec.runs * spec.periodMs;
    await sleep(idealEnd - hiresNow());
    while (
      recorder.length < spec.n * spec.runs &&
      hiresNow() < idealEnd + spec.settleMs
    )
      await sleep(20);
  } else {
    window = { fromMs: windowStart, toMs: windowStart + spec.windowMs };
    await sleep(windowStart + spec.windowMs + spec.settleMs - hiresNow());
  }

  const closeStart = performance.now();
  await app.close();
  const closeMs = performance.now() - closeStart;
  adapter.dispose?.();

  if (recorder.overflowed > 0)
    notes.push(`recorder overflowed: ${recorder.overflowed} runs not recorded`);
  const analysis = analyzeRuns(recorder, spec.n, ideal, window);
  return {
    spec,
    decorateMs,
    bootMs,
    heapBeforeApp,
    heapAfterInit: memory.heapUsed,
    heapPerTask: (memory.heapUsed - heapBeforeApp) / spec.n,
    rssAfterInit: memory.rss,
    closeMs,
    badAnchors,
    wallMinusHiresMs: wallMinusHires(),
    notes,
    ...analysis,
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as ScenarioSpec;
  const result = await runScenario(spec);
  if (process.send) process.send(result, () => process.exit(0));
  else {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    process.exit(0);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
