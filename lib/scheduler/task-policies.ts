import type { TimerHandle } from '../clock/clock';
import type { RunTrace } from '../observability/run-instrumentation';
import { dateOptionMs } from '../options/task.options';
import type { TaskDefinition } from './task-definition';
import { PauseOnFailure } from './pause-on-failure';
import { RetryPolicy } from './retry-policy';
import type { RunWaiter } from './task-state';

/** A failed run waiting for its backoff to pass; it keeps the task's overlap slot. */
export interface PendingRetry {
  timer: TimerHandle;
  due: number;
  /** The try to make next, from 2. */
  attempt: number;
  catchUp: boolean;
  /** The waiter of the run that failed (`runTask`), settled by the last try. */
  waiter: RunWaiter | null;
  error: unknown;
  /** The first try's trace, which every retry's span links to. */
  firstTrace: RunTrace | null;
}

/** A jittered start waiting for its offset to pass. */
export interface JitteredStart {
  due: number;
  periodMs: number | null;
  receipt: unknown;
}

/**
 * The run policies of one task (`retry`, `jitter`, `pauseOnFailure`; the
 * window wraps the trigger instead), built once when the task is added and
 * only for a task that has one, so a task without policies carries `null`
 * and the hot path checks one field.
 */
export class TaskPolicies {
  readonly retry: RetryPolicy | null;
  /** ms; 0 for none. */
  readonly jitterMs: number;
  readonly pause: PauseOnFailure | null;
  /** Jittered starts not made yet, by their timer. */
  readonly jittered = new Map<TimerHandle, JitteredStart>();
  pendingRetry: PendingRetry | null = null;

  private constructor(def: TaskDefinition) {
    this.retry =
      def.retry !== undefined && def.retry.attempts > 1
        ? new RetryPolicy(def.retry)
        : null;
    this.jitterMs = def.jitter ?? 0;
    this.pause =
      def.pauseOnFailure !== undefined
        ? new PauseOnFailure(def.pauseOnFailure)
        : null;
  }

  /** The task's policies, or `null` when it has none that act on runs. */
  static of(def: TaskDefinition): TaskPolicies | null {
    const policies = new TaskPolicies(def);
    return policies.retry === null &&
      policies.jitterMs === 0 &&
      policies.pause === null
      ? null
      : policies;
  }

  /** Nothing of the task waits on a policy timer (for `maybeFinish`). */
  get idle(): boolean {
    return this.jittered.size === 0 && this.pendingRetry === null;
  }
}

/** A task's `startAt` / `endAt` as epoch ms (±Infinity when absent), or `null` without either. */
export function windowOf(
  def: TaskDefinition,
): { start: number; end: number } | null {
  if (def.startAt === undefined && def.endAt === undefined) return null;
  return {
    start: def.startAt === undefined ? -Infinity : dateOptionMs(def.startAt),
    end: def.endAt === undefined ? Infinity : dateOptionMs(def.endAt),
  };
}
