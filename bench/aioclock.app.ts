import {
  AioClockModule,
  AioClockRegistry,
  Cron,
  Every,
  type TaskContext,
} from '../lib';
import type { BenchAdapter } from './bench.adapter';
import type { ScenarioSpec } from './bench.types';
import { busyWait, hiresNow, type RunRecorder } from './run.recorder';
import { benchModule, generateTasks } from './task-classes';

/** nestjs-aioclock: `@Cron('* * * * * *')` or `@Every({ seconds: periodMs / 1000 })`. */
export const adapter: BenchAdapter = {
  prepare(spec: ScenarioSpec, recorder: RunRecorder) {
    const busy = spec.bodyBusyMs;
    // @Cron: the body reads which due time the run is for (ctx.scheduledAt,
    // a Date made per read), which analyzeRuns checks lies on the ideal grid.
    // @Every: the body only records when it ran, as @nestjs/schedule's
    // @Interval body and the floor script's do; its runs are matched to due
    // times by counting (a skipped or doubled run shifts every later one by
    // a period, and the last due times of the window come up missing).
    const makeMethod =
      spec.kind === 'cron'
        ? (i: number) =>
            function (ctx: TaskContext) {
              const entry = hiresNow();
              recorder.record(i, ctx.scheduledAt.getTime(), entry);
              if (busy > 0) busyWait(busy);
            }
        : (i: number) =>
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
      origin[i] = task.nextRunAt.getTime() - (task.runs + 1) * spec.periodMs;
    }
    for (let i = 0; i < spec.n; i++) {
      // Date.now() has whole-ms resolution: allow 1 ms either side.
      if (!(origin[i] >= Math.floor(bootStart) - 1 && origin[i] <= bootEnd + 1))
        badAnchors++;
    }
    return {
      ideal: { mode: 'counted', periodMs: spec.periodMs, origin },
      badAnchors,
      notes: [],
    };
  },
};
