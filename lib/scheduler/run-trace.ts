import type {
  RunInstrumentation,
  RunTrace,
} from '../observability/run-instrumentation';
import type { RunContext } from './run-context';
import type { RunWaiter, TaskState } from './task-state';

/**
 * Opens a run's span and metrics (OpenTelemetry on). A requested run
 * (`runTask`) is a child of its caller's span; a retry or a backfill run
 * carries a waiter too, but nobody called for it.
 * @param due the run's due time, epoch ms
 * @param now the run's start time, epoch ms
 */
export function beginRunTrace(
  otel: RunInstrumentation,
  task: TaskState,
  due: number,
  now: number,
  waiter: RunWaiter | null,
  context: RunContext,
): RunTrace {
  return otel.begin(
    task.name,
    task.group.name,
    due,
    now,
    waiter !== null && waiter.attempt === undefined,
    context.attempt,
    context.catchUp,
    // A retry's span links to its first try's.
    waiter?.firstTrace ?? null,
  );
}
