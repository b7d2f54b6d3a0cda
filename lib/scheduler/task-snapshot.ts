import type { ClusterTaskState } from '../coordination/coordinator.interface';
import type { TaskInfo } from '../interfaces/task-info.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import type { TaskState } from './task-state';
import { NOT_QUEUED } from './timer-queue';

/**
 * What `getTasks` / `getTask` show of a task: a fresh object each call,
 * built from the scheduler's state at that moment.
 * @param task the task
 * @param enabled whether the task, its group and the scheduler allow it to fire
 * @param owner the replica owning it
 * @param cluster the cluster's counters (durable coordinator), shown instead of this replica's
 */
export function taskSnapshot(
  task: TaskState,
  enabled: boolean,
  owner: string | null,
  cluster?: ClusterTaskState,
): TaskInfo {
  const info: TaskInfo = {
    name: task.name,
    group: task.group.name,
    trigger: copySpec(task.def.trigger),
    nextRunAt:
      task.queuedDue !== NOT_QUEUED && !task.isPaused
        ? new Date(task.queuedDue)
        : null,
    lastRunAt: Number.isNaN(task.lastRunAt) ? null : new Date(task.lastRunAt),
    running: task.running > 0,
    runs: task.runs,
    failures: task.failures,
    skipped: task.skipped,
    finished: task.finished,
    paused: task.isPaused,
    enabled,
    owner,
  };
  if (cluster !== undefined) {
    info.runs = cluster.runs;
    info.failures = cluster.failures;
    info.skipped = cluster.skipped;
    info.consecutiveFailures = cluster.consecutiveFailures;
    // A run of this replica's in flight started after the last one that ended.
    const last = Math.max(
      Number.isNaN(task.lastRunAt) ? -Infinity : task.lastRunAt,
      Number.isNaN(cluster.lastRunAt) ? -Infinity : cluster.lastRunAt,
    );
    info.lastRunAt = Number.isFinite(last) ? new Date(last) : null;
  }
  const pausedReason = task.policies?.pause?.reason;
  if (task.paused && pausedReason != null) info.pausedReason = pausedReason;
  return info;
}

/**
 * A deep copy of a trigger spec (plain objects, arrays and primitives only):
 * the spec is the decorator's metadata, shared by every app built from the
 * class, so a snapshot must not hand out a reference to it.
 */
function copySpec(spec: TriggerSpec): TriggerSpec {
  return copyPlain(spec) as TriggerSpec;
}

function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyPlain);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value))
    copy[key] = copyPlain(member);
  return copy;
}
