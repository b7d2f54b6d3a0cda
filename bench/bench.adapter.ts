import type { INestApplicationContext, Type } from '@nestjs/common';
import type { ScenarioSpec } from './bench.types';
import type { IdealSchedule } from './run.analysis';
import type { RunRecorder } from './run.recorder';

/** A library's side of the benchmark: builds its app, then says when each run was due. */
export interface BenchAdapter {
  /**
   * Generates N decorated methods that record every run, and the root module.
   * Loads the library (so it is part of the "before app" heap baseline).
   */
  prepare(spec: ScenarioSpec, recorder: RunRecorder): Type;

  /**
   * Called right after `createApplicationContext` resolved: the ideal
   * schedule of the `interval` kind (cron's is the second boundaries, the same
   * for both libraries), and how many tasks started outside the bootstrap.
   * @param bootStart `hiresNow()` before creating the app
   * @param bootEnd `hiresNow()` after init resolved
   */
  intervalSchedule(
    app: INestApplicationContext,
    spec: ScenarioSpec,
    bootStart: number,
    bootEnd: number,
  ): { ideal: IdealSchedule; badAnchors: number; notes: string[] };

  /**
   * The ideal schedule of the `cron` kind when the library's runs are matched
   * by counting; without it, runs are matched by the due time they declare,
   * on the whole seconds from the one the bootstrap ended in.
   */
  cronSchedule?(
    app: INestApplicationContext,
    spec: ScenarioSpec,
    bootStart: number,
    bootEnd: number,
  ): { ideal: IdealSchedule; badAnchors: number; notes: string[] };

  /** Undoes any instrumentation installed by `prepare`. */
  dispose?(): void;
}
