import type { Clock } from '../clock/clock';
import type { Coordinator } from '../coordination/coordinator.interface';
import type { OpenTelemetryMode } from '../observability/observability.constants';
import type { SchedulerLogger, TaskDefinition } from './task-definition';

/** What `Scheduler` needs. */
export interface SchedulerOptions {
  /** Every reading of the time and every timer goes through it. */
  clock: Clock;
  /** Where failures and coordinator outages are reported. */
  logger: SchedulerLogger;
  /** IANA zone for `at` and `cron` triggers without their own `tz`. */
  timeZone: string;
  /** `false` lists tasks but never fires them. @default true */
  enabled?: boolean;
  /** Decides which replica runs each due run. @default none (in-process only) */
  coordinator?: Coordinator;
  /**
   * OpenTelemetry spans and metrics per run, decided at `start`: `'auto'`
   * when an SDK has registered a provider by then. @default false
   */
  openTelemetry?: OpenTelemetryMode;
  /**
   * Makes a no-op copy of a task definition, of the same class, named `name`:
   * given, a scheduler with many timed tasks warms its dispatch path up with
   * such copies right after start (see `warmUp`). @default none (no warm-up)
   */
  noopTask?: (
    like: TaskDefinition,
    name: string,
    index: number,
  ) => TaskDefinition | null;
}
