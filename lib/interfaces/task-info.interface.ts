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
  /**
   * Runs started. Under a durable coordinator: the cluster's scheduled runs
   * (every replica's, catch-up included), as of the last heartbeat; `lastRunAt`,
   * `failures` and `skipped` likewise. Otherwise this process's.
   */
  runs: number;
  failures: number;
  skipped: number;
  /** Under a durable coordinator: the cluster's failed runs since the last one that succeeded. */
  consecutiveFailures?: number;
  finished: boolean;
  /** Paused by the registry, itself or through its group. */
  paused: boolean;
  /** Why the task paused itself (`pauseOnFailure`); absent otherwise. */
  pausedReason?: string;
  /** `false` when the task, its group or the module is disabled. */
  enabled: boolean;
  /**
   * The replica owning the task (the only one firing it) under a durable
   * coordinator; this replica's id otherwise; null while no live member owns it.
   */
  owner: string | null;
}
