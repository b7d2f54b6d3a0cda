import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { EveryTrigger, everyIntervalMs } from './every.trigger';
import { ForeverTrigger } from './forever.trigger';
import { LifecycleTrigger } from './lifecycle.trigger';
import { OnceTrigger } from './once.trigger';
import type { Trigger, TriggerContext } from './trigger';

export { validateTriggerSpec } from './validate-trigger';

/**
 * Builds the run-time trigger for a validated spec. Triggers are stateful
 * where their kind needs it (`or`), so build one per task.
 * The top-level `maxLoopCount` is not enforced here: the scheduler counts runs.
 * @param spec a spec that passed `validateTriggerSpec`
 * @param ctx the module's zone and whether `every` aligns to the epoch
 */
export function createTrigger(spec: TriggerSpec, ctx: TriggerContext): Trigger {
  switch (spec.type) {
    case 'every':
      return new EveryTrigger(everyIntervalMs(spec), spec.firstRunStrategy === 'immediate', ctx.alignToEpoch === true);
    case 'once':
      return new OnceTrigger();
    case 'forever':
      return new ForeverTrigger();
    case 'startup':
    case 'shutdown':
      return new LifecycleTrigger(spec.type);
    default:
      throw new Error(`trigger type ${spec.type} not implemented yet`);
  }
}
