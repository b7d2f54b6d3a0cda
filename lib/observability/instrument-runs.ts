import type { Clock } from '../clock/clock';
import { SystemClock } from '../clock/system-clock';
import type { OpenTelemetryMode } from './observability.constants';
import { replicaIdOf } from './replica-id';
import { RunInstrumentation } from './run-instrumentation';

/**
 * A scheduler's instrumentation, decided once at its start (see
 * `RunInstrumentation.create`). Never throws: observability must not keep
 * the tasks from running.
 * @param mode `AioClockOptions.openTelemetry`
 * @param clock the scheduler's clock: a `VirtualClock`'s time is the runs'
 *   time, while the system clock's ms are coarser than the SDK's own
 * @param coordinator whose `replicaId` names this replica, if it has one
 * @param onError where an SDK error goes
 */
export function instrumentRuns(
  mode: OpenTelemetryMode,
  clock: Clock,
  coordinator: object | undefined,
  onError: (error: unknown) => void,
): RunInstrumentation | null {
  if (mode === false) return null;
  try {
    return RunInstrumentation.create({
      mode,
      replica: replicaIdOf(coordinator),
      clockTimes: !(clock instanceof SystemClock),
      onError,
    });
  } catch (error) {
    onError(error);
    return null;
  }
}
