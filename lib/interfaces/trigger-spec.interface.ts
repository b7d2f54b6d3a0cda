import type {
  AtParams,
  CronParams,
  EveryParams,
  ForeverParams,
  OrParams,
} from './trigger-params.interface';

/** The kinds of trigger. */
export type TriggerType =
  'every' | 'at' | 'cron' | 'once' | 'forever' | 'or' | 'startup' | 'shutdown';

/** The stored trigger of `@Every`. */
export type EverySpec = { type: 'every' } & EveryParams;
/** The stored trigger of `@At`. */
export type AtSpec = { type: 'at' } & AtParams;
/** The stored trigger of `@Cron`. */
export type CronSpec = { type: 'cron' } & CronParams;
/** The stored trigger of `@Once`. */
export type OnceSpec = { type: 'once' };
/** The stored trigger of `@Forever`. */
export type ForeverSpec = { type: 'forever' } & ForeverParams;
/** The stored trigger of `@OrTrigger`: its members' specs and its own `maxLoopCount`. */
export type OrSpec = { type: 'or'; triggers: TriggerSpec[] } & OrParams;
/** The stored trigger of `@OnStartUp`. */
export type StartupSpec = { type: 'startup' };
/** The stored trigger of `@OnShutDown`. */
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
