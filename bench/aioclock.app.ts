import type { INestApplicationContext } from '@nestjs/common';
import { AioClockModule, AioClockRegistry, Cron, Every } from '../lib';
import type { BenchAdapter } from './bench.adapter';
import type { ScenarioSpec } from './bench.types';
import type { IdealSchedule } from './run.analysis';
import { busyWait, hiresNow, type RunRecorder } from './run.recorder';
import { benchModule, generateTasks } from './task-classes';

/** nestjs-aioclock: `@Cron('* * * * * *')` or `@Every({ seconds: periodMs / 1000 })`. */
export const adapter: BenchAdapter = {
  prepare(spec: ScenarioSpec, recorder: RunRecorder) {
    const busy = spec.bodyBusyMs;
    // The body only records when it ran, as the floor script's, @Interval's
    // and @nestjs/schedule's @Cron bodies do: reading ctx.scheduledAt would
    // add a Date per run (a C++ builtin call, ~0.3 µs with 100 000 tasks,
    // bench/README.md) that none of them pays. Runs are matched to due times
    // by counting (a skipped or doubled run shifts every later one by a
    // period, and the last due times of the window come up missing).
    const makeMethod = (i: number) =>
      function () {
        const entry = hiresNow();
        recorder.record(i, NaN, entry);
        if (busy > 0) busyWait(busy);
      };
    // A fresh decorator per method, as `@Every(...)` written above each method would be.
    const decorate =
      spec.kind === 'cron'
        ? () => Cron('* * * * * *')
        : () => Every({ seconds: spec.periodMs / 1000 });
    const { classes } = generateTasks(
      spec.n,
      spec.methodsPerClass,
      makeMethod,
      decorate,
    );
    return benchModule(AioClockModule.forRoot(), classes);
  },

  intervalSchedule(app, spec, bootStart, bootEnd) {
    // Fixed rate from the scheduler's start: run k is due at start + k·interval.
    // The registry says when run `runs + 1` is due; the start it implies must
    // lie within the bootstrap, or the engine started the schedule elsewhere.
    return countedSchedule(app, spec, bootStart, bootEnd, false);
  },

  cronSchedule(app, spec, bootStart, bootEnd) {
    // `* * * * * *`: run k is due k seconds after the whole second in which
    // the scheduler started (its first due time is the next whole second).
    // The registry says when run `runs + 1` is due; the second it implies
    // must be a whole one within the bootstrap.
    return countedSchedule(app, spec, bootStart, bootEnd, true);
  },
};

/**
 * Each task's origin (run k due at origin + k·period) from when the registry
 * says its next run is due, and how many origins are not where they must be:
 * within the bootstrap (`wholeSeconds`: the whole seconds it spans).
 */
function countedSchedule(
  app: INestApplicationContext,
  spec: ScenarioSpec,
  bootStart: number,
  bootEnd: number,
  wholeSeconds: boolean,
): { ideal: IdealSchedule; badAnchors: number; notes: string[] } {
  // `* * * * * *` is due every second, whatever the scenario's period.
  const periodMs = wholeSeconds ? 1000 : spec.periodMs;
  const tasks = app.get(AioClockRegistry).getTasks();
  const origin = new Float64Array(spec.n);
  const index = new Map<string, number>();
  for (let i = 0; i < spec.n; i++)
    index.set(`BenchTasks${Math.floor(i / spec.methodsPerClass)}.t${i}`, i);
  let badAnchors = 0;
  origin.fill(NaN);
  for (const task of tasks) {
    const i = index.get(task.name);
    if (i === undefined || !task.nextRunAt) continue;
    origin[i] = task.nextRunAt.getTime() - (task.runs + 1) * periodMs;
  }
  // Date.now() has whole-ms resolution: allow 1 ms either side.
  const from = wholeSeconds
    ? Math.floor(bootStart / 1000) * 1000
    : Math.floor(bootStart) - 1;
  const to = wholeSeconds ? Math.floor(bootEnd / 1000) * 1000 : bootEnd + 1;
  for (let i = 0; i < spec.n; i++) {
    const anchored = origin[i] >= from && origin[i] <= to;
    if (!anchored || (wholeSeconds && origin[i] % 1000 !== 0)) badAnchors++;
  }
  return {
    ideal: { mode: 'counted', periodMs, origin },
    badAnchors,
    notes: [],
  };
}
