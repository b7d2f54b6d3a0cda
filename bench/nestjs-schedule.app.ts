import {
  Cron,
  Interval,
  ScheduleModule,
  SchedulerRegistry,
} from '@nestjs/schedule';
import { CronJob, CronTime } from 'cron';
import type { BenchAdapter } from './bench.adapter';
import type { ScenarioSpec } from './bench.types';
import { busyWait, hiresNow, type RunRecorder } from './run.recorder';
import { benchModule, generateTasks } from './task-classes';

/*
 * Instrumentation, kept out of the timing path as far as possible:
 * - cron: the `cron` package does not tell a tick which second it fired for.
 *   `CronTime#getTimeout` is replaced by an equivalent that also remembers the
 *   target instant it computed (it is `sendAt() − now`, as before).
 *   `CronJob#start` is wrapped to note, on entry, the target the firing timer
 *   was armed for (its timer callback calls `start()` to re-arm, then fires).
 *   `CronJob#fireOnTick` publishes the due time in `currentCronDue` just before
 *   the callbacks run: that armed target, or — when `start()` itself fires
 *   because the next target had already passed ("missed execution deadline …
 *   executing immediately") — the target `start()` just computed.
 * - @Interval: `setInterval` is wrapped during bootstrap only, to note when
 *   each interval was registered (its ideal run k is registration + k·interval).
 *   The methods use `@Interval(ms)` without a name, as users usually do (the
 *   library then names each one with a random UUID), so the j-th registration
 *   is matched to the j-th discovered method: @nestjs/schedule mounts intervals
 *   in discovery order, which is provider order, then method order.
 */
let currentCronDue = NaN;
const registrations: number[] = [];
const originalSetInterval = globalThis.setInterval;
let cronHookInstalled = false;

interface InstrumentedCronTime {
  sendAt(): { toMillis(): number };
  benchNextDue?: number;
}

interface InstrumentedCronJob {
  cronTime: InstrumentedCronTime;
  benchFiringDue?: number;
  start(): void;
  fireOnTick(): Promise<void>;
}

let insideStart = 0;

function installCronDueHook(): void {
  if (cronHookInstalled) return;
  cronHookInstalled = true;
  const timeProto = CronTime.prototype as unknown as {
    getTimeout(this: InstrumentedCronTime): number;
  };
  timeProto.getTimeout = function (this: InstrumentedCronTime): number {
    const due = this.sendAt().toMillis();
    this.benchNextDue = due;
    return due - Date.now();
  };
  const jobProto = CronJob.prototype as unknown as InstrumentedCronJob;
  const start = jobProto.start;
  jobProto.start = function (this: InstrumentedCronJob): void {
    const armedFor = this.cronTime.benchNextDue;
    insideStart++;
    try {
      start.call(this);
    } finally {
      insideStart--;
      this.benchFiringDue = armedFor;
    }
  };
  const fireOnTick = jobProto.fireOnTick;
  jobProto.fireOnTick = function (this: InstrumentedCronJob): Promise<void> {
    currentCronDue =
      (insideStart > 0 ? this.cronTime.benchNextDue : this.benchFiringDue) ??
      NaN;
    return fireOnTick.call(this);
  };
}

function installIntervalRegistrationHook(): void {
  globalThis.setInterval = function (
    this: unknown,
    ...args: Parameters<typeof setInterval>
  ) {
    registrations.push(hiresNow());
    return originalSetInterval.apply(this, args);
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
      decorate = () => Interval(spec.periodMs);
    }
    const { classes } = generateTasks(
      spec.n,
      spec.methodsPerClass,
      makeMethod,
      decorate,
    );
    return benchModule(ScheduleModule.forRoot(), classes);
  },

  intervalSchedule(app, spec, bootStart, bootEnd) {
    globalThis.setInterval = originalSetInterval;
    const notes: string[] = [];
    const mounted = app.get(SchedulerRegistry).getIntervals().length;
    if (registrations.length !== spec.n || mounted !== spec.n) {
      notes.push(
        `${registrations.length} setInterval calls and ${mounted} intervals for ${spec.n} tasks`,
      );
    }
    const origin = new Float64Array(spec.n);
    let badAnchors = 0;
    for (let i = 0; i < spec.n; i++) {
      const at = registrations[i];
      origin[i] = at ?? NaN;
      if (at === undefined || at < bootStart || at > bootEnd) badAnchors++;
    }
    return {
      ideal: { mode: 'counted', periodMs: spec.periodMs, origin },
      badAnchors,
      notes,
    };
  },

  dispose() {
    globalThis.setInterval = originalSetInterval;
  },
};
