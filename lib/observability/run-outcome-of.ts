import { isInstance } from '../errors/is-instance';
import { TaskTimeoutError } from '../errors/task-timeout.error';
import type { RunOutcome } from './observability.constants';

/**
 * How a run ended, as spans, metrics and `RunRecord.outcome` name it.
 * @param failed it threw, rejected, timed out or was given up on
 * @param value what it returned or threw
 * @param cancelled the scheduler aborted it (`cancelOther`, shutdown)
 */
export function runOutcomeOf(
  failed: boolean,
  value: unknown,
  cancelled: boolean,
): RunOutcome {
  if (!failed) return 'succeeded';
  if (isInstance(value, TaskTimeoutError)) return 'timedOut';
  return cancelled ? 'cancelled' : 'failed';
}
