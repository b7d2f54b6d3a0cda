import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { AtTrigger } from './at.trigger';
import { CronTrigger } from './cron.trigger';
import { EveryTrigger, everyIntervalMs } from './every.trigger';
import { ForeverTrigger } from './forever.trigger';
import { LifecycleTrigger } from './lifecycle.trigger';
import { OnceTrigger } from './once.trigger';
import { OrTrigger } from './or.trigger';
import type { Trigger, TriggerContext } from './trigger';

export { validateTriggerSpec } from './validate-trigger';

/**
 * Builds the run-time trigger for a validated spec. Triggers are stateful
 * where their kind needs it (`or`), so build one per task.
 * The top-level `maxLoopCount` is not enforced here: the scheduler counts
 * runs. Inside an `or`, each member's `maxLoopCount` is enforced by the `or`.
 * @param spec a spec that passed `validateTriggerSpec`
 * @param ctx the module's zone and whether `every` aligns to the epoch
 */
export function createTrigger(spec: TriggerSpec, ctx: TriggerContext): Trigger {
  switch (spec.type) {
    case 'every':
      return new EveryTrigger(everyIntervalMs(spec), spec.firstRunStrategy === 'immediate', ctx.alignToEpoch === true);
    case 'at':
      return new AtTrigger(spec.hour ?? 0, spec.minute ?? 0, spec.second ?? 0, spec.at ?? 'every day', spec.tz ?? ctx.timeZone);
    case 'cron':
      return new CronTrigger(spec.cron, spec.tz ?? ctx.timeZone);
    case 'once':
      return new OnceTrigger();
    case 'forever':
      return new ForeverTrigger();
    case 'or':
      return new OrTrigger(
        spec.triggers.map((member) => ({
          trigger: createTrigger(member, ctx),
          maxLoopCount: 'maxLoopCount' in member ? member.maxLoopCount : undefined,
        })),
      );
    case 'startup':
    case 'shutdown':
      return new LifecycleTrigger(spec.type);
  }
}
