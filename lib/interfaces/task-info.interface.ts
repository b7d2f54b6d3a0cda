import type { TriggerSpec } from './trigger-spec.interface';

/** A snapshot of one task, as the registry reports it. */
export interface TaskInfo {
  name: string;
  group: string;
  /** The trigger as declared: `{ type, …its parameters }`. */
  trigger: TriggerSpec;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  running: boolean;
  runs: number;
  failures: number;
  skipped: number;
  finished: boolean;
  /** Paused by the registry, itself or through its group. */
  paused: boolean;
  /** `false` when the task, its group or the module is disabled. */
  enabled: boolean;
  /**
   * The replica owning the task (the only one firing it) under a durable
   * coordinator; this replica's id otherwise; null while no live member owns it.
   */
  owner: string | null;
}
