import type { AtParams, CronParams, EveryParams, ForeverParams, OrParams } from './trigger-params.interface';

/** The kinds of trigger. */
export type TriggerType = 'every' | 'at' | 'cron' | 'once' | 'forever' | 'or' | 'startup' | 'shutdown';

export type EverySpec = { type: 'every' } & EveryParams;
export type AtSpec = { type: 'at' } & AtParams;
export type CronSpec = { type: 'cron' } & CronParams;
export type OnceSpec = { type: 'once' };
export type ForeverSpec = { type: 'forever' } & ForeverParams;
export type OrSpec = { type: 'or'; triggers: TriggerSpec[] } & OrParams;
export type StartupSpec = { type: 'startup' };
export type ShutdownSpec = { type: 'shutdown' };

/**
 * One plain, serialisable description of when a task fires: what a decorator
 * stores on a method and what `TaskInfo.trigger` shows.
 */
export type TriggerSpec =
  | EverySpec
  | AtSpec
  | CronSpec
  | OnceSpec
  | ForeverSpec
  | OrSpec
  | StartupSpec
  | ShutdownSpec;
