import { skipReasons } from '../aioclock.messages';
import type { RunOutcome } from '../interfaces/run-record.interface';

/**
 * What one history record adds to its task's counters in a durable store:
 * `'f'` a failed try (failures and the failure streak + 1), `'s'` a success
 * (the streak ends), `'k'` a skipped due time, `''` nothing (`missed`; a due
 * time busy on another replica, which its claim counted already).
 */
export type RecordCounter = 'f' | 's' | 'k' | '';

/** The counter a record of `outcome` (with `error`: the skip's reason) moves. */
export function recordCounter(
  outcome: RunOutcome,
  error: string | undefined,
): RecordCounter {
  switch (outcome) {
    case 'succeeded':
      return 's';
    case 'failed':
    case 'timedOut':
    case 'cancelled':
      return 'f';
    case 'skipped':
      return error === skipReasons.runningElsewhere ? '' : 'k';
    default:
      return '';
  }
}
