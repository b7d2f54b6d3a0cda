import type { Coordinator } from '../coordination/coordinator.interface';

/** Options of `AioClockModule.forRoot`. All are optional. */
export interface AioClockOptions {
  /** Default IANA zone for `@At` and `@Cron` without `tz`. @default the process's own zone */
  timeZone?: string;
  /** `false` discovers and lists tasks but never fires them. @default true */
  enabled?: boolean;
  /** Milliseconds shutdown waits for running tasks before aborting them. @default 10000 */
  shutdownTimeout?: number;
  /** How replicas agree on who runs a due run. @default in-process only */
  coordinator?: Coordinator;
  /**
   * OpenTelemetry spans and metrics per run, through `@opentelemetry/api` (an
   * optional peer). `'auto'`: on when an SDK has registered a tracer or meter
   * provider by the time the app bootstraps; `true`: spans whenever the api is
   * installed (an SDK registered later receives them); `false`: never.
   * @default 'auto'
   */
  openTelemetry?: boolean | 'auto';
}
