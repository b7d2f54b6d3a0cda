import { Cron, Interval, ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, CronTime } from 'cron';
import type { BenchAdapter } from './bench.adapter';
import type { ScenarioSpec } from './bench.types';
import { busyWait, hiresNow, type RunRecorder } from './run.recorder';
import { benchModule, generateTasks } from './task-classes';

/*
 * Instrumentation, kept out of the timing path as far as possible:
 * - cron: the `cron` package does not tell a tick which second it fired for.
 *   `CronTime#getTimeout` is replaced by an equivalent that also remembers the
 *   target instant it computed (it is `sendAt() − now`, as before), and
 *   `CronJob#fireOnTick` publishes the previous target — the one this tick was
 *   armed for — in `currentCronDue` just before the callbacks run.
 * - @Interval: `setInterval` is wrapped during bootstrap only, to note when
 *   each interval was registered (its ideal run k is registration + k·interval).
 */
let currentCronDue = NaN;
const registeredAt = new WeakMap<object, number>();
const originalSetInterval = globalThis.setInterval;
let cronHookInstalled = false;

interface InstrumentedCronTime {
  sendAt(): { toMillis(): number };
  benchPreviousDue?: number;
  benchNextDue?: number;
}

function installCronDueHook(): void {
  if (cronHookInstalled) return;
  cronHookInstalled = true;
  const timeProto = CronTime.prototype as unknown as { getTimeout(this: InstrumentedCronTime): number };
  timeProto.getTimeout = function (this: InstrumentedCronTime): number {
    const due = this.sendAt().toMillis();
    this.benchPreviousDue = this.benchNextDue;
    this.benchNextDue = due;
    return due - Date.now();
  };
  const jobProto = CronJob.prototype as unknown as { fireOnTick(this: { cronTime: InstrumentedCronTime }): Promise<void> };
  const fireOnTick = jobProto.fireOnTick;
  jobProto.fireOnTick = function (this: { cronTime: InstrumentedCronTime }): Promise<void> {
    currentCronDue = this.cronTime.benchPreviousDue ?? NaN;
    return fireOnTick.call(this);
  };
}

function installIntervalRegistrationHook(): void {
  globalThis.setInterval = function (this: unknown, ...args: Parameters<typeof setInterval>) {
    const at = hiresNow();
    const handle = originalSetInterval.apply(this, args);
    registeredAt.set(handle, at);
    return handle;
  } as typeof setInterval;
}

/** @nestjs/schedule: `@Cron('* * * * * *')` or `@Interval(name, periodMs)`. */
export const adapter: BenchAdapter = {
  prepare(spec: ScenarioSpec, recorder: RunRecorder) {
    const busy = spec.bodyBusyMs;
    let makeMethod: (i: number) => () => void;
    let decorate: (i: number) => MethodDecorator;
    if (spec.kind === 'cron') {
      installCronDueHook();
      makeMethod = (i) =>
        function () {
          const entry = hiresNow();
          recorder.record(i, currentCronDue, entry);
          if (busy > 0) busyWait(busy);
        };
      decorate = () => Cron('* * * * * *');
    } else {
      installIntervalRegistrationHook();
      makeMethod = (i) =>
        function () {
          const entry = hiresNow();
          recorder.record(i, NaN, entry);
          if (busy > 0) busyWait(busy);
        };
      decorate = (i) => Interval(`t${i}`, spec.periodMs);
    }
    const { classes } = generateTasks(spec.n, spec.methodsPerClass, makeMethod, decorate);
    return benchModule(ScheduleModule.forRoot(), classes);
  },

  intervalSchedule(app, spec, bootStart, bootEnd) {
    globalThis.setInterval = originalSetInterval;
    const registry = app.get(SchedulerRegistry);
    const origin = new Float64Array(spec.n);
    let badAnchors = 0;
    for (let i = 0; i < spec.n; i++) {
      const at = registeredAt.get(registry.getInterval(`t${i}`) as object);
      origin[i] = at ?? NaN;
      if (at === undefined || at < bootStart || at > bootEnd) badAnchors++;
    }
    return { ideal: { mode: 'counted', periodMs: spec.periodMs, origin }, badAnchors, notes: [] };
  },

  dispose() {
    globalThis.setInterval = originalSetInterval;
  },
};
