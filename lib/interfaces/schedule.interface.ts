import type { TaskDecorator } from '../decorators/task-decorator';
import type { TaskOptions } from './task-options.interface';
import type { TriggerSpec } from './trigger-spec.interface';

/** The `TaskOptions` a durable schedule takes (its id is its name). */
export type ScheduleTaskOptions = Omit<
  TaskOptions,
  'name' | 'enabled' | 'startAt' | 'endAt'
>;

/** What `registry.upsertSchedule` takes: a durable schedule, as data. */
export interface UpsertScheduleOptions extends ScheduleTaskOptions {
  /** 1–200 characters, no control characters; upserting the same id again replaces it. */
  id: string;
  /** The `@ScheduleHandler` name that runs it (`Class.method` unless renamed). */
  handler: string;
  /** An `every`, `at`, `cron` or `or` trigger (a spec, or a decorator's result such as `At({ hour: 9 })`). */
  trigger: TriggerSpec | TaskDecorator;
  /** JSON given to the handler on each run (at most 64 KiB serialised). @default null */
  payload?: unknown;
  /** Due times before this instant do not exist. @default none */
  startAt?: Date | string | null;
  /** Due times after this instant do not exist. @default none */
  endAt?: Date | string | null;
  /** `false` keeps the schedule but never fires it. @default true */
  enabled?: boolean;
}

/** A durable schedule as the registry reports it: the schedule as given, and how it runs here. */
export interface ScheduleInfo extends ScheduleTaskOptions {
  id: string;
  handler: string;
  trigger: TriggerSpec;
  payload: unknown;
  /** ISO instant, or null. */
  startAt: string | null;
  /** ISO instant, or null. */
  endAt: string | null;
  enabled: boolean;
  /** Paused by `pauseSchedule`, or by its own `pauseOnFailure` (then `pausedReason` says why). */
  paused: boolean;
  /** Why its `pauseOnFailure` paused it, while it stays paused; `resumeSchedule` resumes it. */
  pausedReason?: string;
  /** The store's revision: bumped on every change. */
  revision: number;
  /** When it last changed (the store's clock). */
  updatedAt: Date;
  /** Its next due time on this replica; null when it is not scheduled here (no handler, paused, disabled, over). */
  nextRunAt: Date | null;
  /** When its latest run on this replica started (since the schedule last changed). */
  lastRunAt: Date | null;
  /** Runs on this replica since the schedule last changed. */
  runs: number;
  /** Failed runs on this replica since the schedule last changed. */
  failures: number;
  /** The replica owning it (the one firing it); null when no live replica declares its handler. */
  owner: string | null;
  /** No replica known to this one declares its handler: it is kept, and fires once one does. */
  noHandler: boolean;
}

/** What `registry.listSchedules` takes. */
export interface ScheduleQuery {
  /** Only this handler's schedules. */
  handler?: string;
  /** The `cursor` of the previous page. */
  cursor?: string | null;
  /** Page size, 1–1 000. @default 100 */
  limit?: number;
}

/** One page of schedules, ordered by id. */
export interface SchedulePage {
  items: ScheduleInfo[];
  /** Pass it back for the next page; null on the last page. */
  cursor: string | null;
}
