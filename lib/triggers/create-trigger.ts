import type { AtDay } from '../interfaces/trigger-params.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { AtTrigger } from './at.trigger';
import { CronTrigger } from './cron.trigger';
import { EveryTrigger, everyIntervalMs } from './every.trigger';
import { ForeverTrigger } from './forever.trigger';
import { LifecycleTrigger } from './lifecycle.trigger';
import { OnceTrigger } from './once.trigger';
import { AnyOfTrigger } from './any-of.trigger';
import type { Trigger, TriggerContext } from './trigger';

export { validateTriggerSpec } from './validate-trigger';

// Every kind but `or` is stateless (arithmetic over its parameters; the cron
// memo is a pure function's), so tasks with the same schedule share one
// trigger: 10 000 `@Every({ seconds: 1 })` tasks hold one EveryTrigger.
// These maps are memos of immutable values, not state (state belongs in
// providers): two apps in one process that share a trigger stay independent.
const ONCE = new OnceTrigger();
const FOREVER = new ForeverTrigger();
const STARTUP = new LifecycleTrigger('startup');
const SHUTDOWN = new LifecycleTrigger('shutdown');

/** Distinct shared triggers kept; beyond this the oldest is forgotten (its tasks keep it). */
const MAX_SHARED = 1_000;
const shared = new Map<string, Trigger>();

function remember<T extends Trigger>(key: string, trigger: T): T {
  if (shared.size >= MAX_SHARED)
    shared.delete(shared.keys().next().value as string);
  shared.set(key, trigger);
  return trigger;
}

// `every` triggers by a number (interval and both flags), not a string: the
// key is made for every task at boot, and building a string costs more.
const sharedEvery = new Map<number, Trigger>();

function everyTrigger(
  intervalMs: number,
  immediate: boolean,
  alignToEpoch: boolean,
): Trigger {
  const key = intervalMs * 4 + (immediate ? 2 : 0) + (alignToEpoch ? 1 : 0);
  let trigger = sharedEvery.get(key);
  if (trigger === undefined) {
    trigger = new EveryTrigger(intervalMs, immediate, alignToEpoch);
    if (sharedEvery.size >= MAX_SHARED)
      sharedEvery.delete(sharedEvery.keys().next().value as number);
    sharedEvery.set(key, trigger);
  }
  return trigger;
}

function atTrigger(
  hour: number,
  minute: number,
  second: number,
  day: AtDay,
  timeZone: string,
): Trigger {
  const key = `at\n${hour}\n${minute}\n${second}\n${day}\n${timeZone}`;
  return (
    shared.get(key) ??
    remember(key, new AtTrigger(hour, minute, second, day, timeZone))
  );
}

function cronTrigger(expression: string, timeZone: string): Trigger {
  const key = `cron\n${timeZone}\n${expression}`;
  return (
    shared.get(key) ?? remember(key, new CronTrigger(expression, timeZone))
  );
}

/**
 * The run-time trigger for a validated spec. Stateless kinds are shared
 * between tasks with the same parameters; an `or` (it tracks each member's
 * runs) is built anew on every call, so build one per task.
 * The top-level `maxLoopCount` is not enforced here: the scheduler counts
 * runs. Inside an `or`, each member's `maxLoopCount` is enforced by the `or`.
 * @param spec a spec that passed `validateTriggerSpec`
 * @param ctx the module's zone and whether `every` aligns to the epoch
 */
export function createTrigger(spec: TriggerSpec, ctx: TriggerContext): Trigger {
  switch (spec.type) {
    case 'every':
      return everyTrigger(
        everyIntervalMs(spec),
        spec.firstRunStrategy === 'immediate',
        ctx.alignToEpoch === true,
      );
    case 'at':
      return atTrigger(
        spec.hour ?? 0,
        spec.minute ?? 0,
        spec.second ?? 0,
        spec.at ?? 'every day',
        spec.tz ?? ctx.timeZone,
      );
    case 'cron':
      return cronTrigger(spec.cron, spec.tz ?? ctx.timeZone);
    case 'once':
      return ONCE;
    case 'forever':
      return FOREVER;
    case 'or':
      return new AnyOfTrigger(
        spec.triggers.map((member) => ({
          trigger: createTrigger(member, ctx),
          maxLoopCount:
            'maxLoopCount' in member ? member.maxLoopCount : undefined,
        })),
      );
    case 'startup':
      return STARTUP;
    case 'shutdown':
      return SHUTDOWN;
  }
}
