import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { createTrigger } from './create-trigger';
import { everyIntervalMs } from './every.trigger';
import type { TriggerContext } from './trigger';

/** Gaps sampled for calendar triggers: enough to see past a DST day or a weekend. */
const SAMPLED_GAPS = 3;

/**
 * The typical distance between two runs of a trigger in ms, or `null` for
 * kinds that do not repeat on a schedule (`once`, `forever`, `startup`,
 * `shutdown`). Used to size how long a replica's claim on a run is kept.
 * For `every` it is the interval; for `at`, `cron` and `or` the largest of
 * the first few gaps between due times after `now`.
 * @param spec a validated spec
 * @param ctx the module's zone and epoch alignment
 * @param now where to sample calendar triggers from (epoch ms) @default Date.now()
 */
export function approximatePeriodMs(spec: TriggerSpec, ctx: TriggerContext, now: number = Date.now()): number | null {
  switch (spec.type) {
    case 'every':
      return everyIntervalMs(spec);
    case 'at':
    case 'cron':
    case 'or': {
      const trigger = createTrigger(spec, ctx);
      let previous = trigger.first(now);
      let largest: number | null = null;
      for (let i = 0; i < SAMPLED_GAPS && previous !== null; i++) {
        const due = trigger.next(previous);
        if (due === null) break;
        largest = Math.max(largest ?? 0, due - previous);
        previous = due;
      }
      return largest;
    }
    default:
      return null;
  }
}
