import {
  scheduleHandlerNotHere,
  scheduleLabel,
  unknownScheduleHandler,
} from '../aioclock.messages';
import type { StoredSchedule } from '../coordination/schedule-store.interface';
import { InvalidScheduleError } from '../errors/invalid-schedule.error';
import { ScheduleNotFoundError } from '../errors/schedule-not-found.error';
import type {
  ScheduleInfo,
  ScheduleQuery,
  SchedulePage,
  UpsertScheduleOptions,
} from '../interfaces/schedule.interface';
import { checkOptions } from '../options/option-rules';
import { SCHEDULE_QUERY_TABLE } from '../options/query.options';
import {
  isScheduleId,
  SCHEDULE_PAGE_DEFAULT,
  scheduleInputOf,
} from '../options/schedule.options';
import type { Scheduler } from '../scheduler/scheduler';
import type { SchedulerLogger } from '../scheduler/task-definition';
import { DurableSchedules, scheduleTaskName } from './durable-schedules';

/** What `ScheduleCommands` needs. */
export interface ScheduleCommandsOptions {
  scheduler: Scheduler;
  schedules: DurableSchedules;
  logger: SchedulerLogger;
  /** Schedules live in a durable coordinator's store, which other replicas share. */
  durable: boolean;
}

/**
 * The registry's schedule calls: checks the input (typed errors naming the
 * schedule id and the bad value), writes the store, and applies the change
 * on this replica at once (the others follow the store's notice).
 *
 * A handler this replica does not declare: refused in memory (nobody could
 * ever run it); accepted with a warning under a durable store, where another
 * replica (or a later version of this one) may declare it — the schedule is
 * kept and reported with `noHandler` until one does.
 */
export class ScheduleCommands {
  /** @param options the scheduler, the schedules, whether the store is shared */
  constructor(private readonly options: ScheduleCommandsOptions) {}

  /**
   * Checks an upsert's argument without storing it.
   * @param requireHandler refuse a handler this replica does not declare, even under a durable store (HTTP)
   * @throws InvalidScheduleError, InvalidTriggerError naming the schedule
   */
  check(input: UpsertScheduleOptions, requireHandler = false) {
    const stored = scheduleInputOf(input);
    const label = scheduleLabel(stored.id);
    const { scheduler, schedules } = this.options;
    if (!schedules.declares(stored.handler)) {
      if (requireHandler || !this.options.durable)
        throw new InvalidScheduleError(
          unknownScheduleHandler(label, stored.handler, schedules.handlerNames),
          'handler',
          stored.handler,
        );
    }
    // The trigger's parameters and the options that depend on it, as addTask checks them.
    scheduler.checkDefinition({
      ...(stored.options as object),
      name: label,
      group: 'default',
      trigger: stored.trigger,
      startAt: stored.startAt ?? undefined,
      endAt: stored.endAt ?? undefined,
      invoke: () => undefined,
    });
    return stored;
  }

  /** `registry.upsertSchedule` (see there). */
  async upsert(
    input: UpsertScheduleOptions,
    requireHandler = false,
  ): Promise<ScheduleInfo> {
    const stored = this.check(input, requireHandler);
    const { schedules, logger } = this.options;
    if (!schedules.declares(stored.handler))
      logger.warn(
        scheduleHandlerNotHere(scheduleLabel(stored.id), stored.handler),
      );
    const { schedule } = await schedules.store.upsert(stored);
    schedules.apply(schedule.id, schedule);
    return schedules.info(schedule);
  }

  /** `registry.removeSchedule`: `true` when it existed. */
  async remove(id: string): Promise<boolean> {
    if (!isScheduleId(id)) return false;
    const { schedules } = this.options;
    const removed = await schedules.store.remove(id);
    schedules.apply(id, null);
    return removed;
  }

  /** `registry.getSchedule`. */
  async get(id: string): Promise<ScheduleInfo | null> {
    if (!isScheduleId(id)) return null;
    const schedule = await this.options.schedules.store.get(id);
    if (schedule === null) return null;
    return (await this.options.schedules.infos([schedule]))[0];
  }

  /** `registry.listSchedules`. @throws InvalidScheduleError for a bad limit */
  async list(query: ScheduleQuery = {}): Promise<SchedulePage> {
    checkOptions('listSchedules', query, SCHEDULE_QUERY_TABLE);
    const limit = query?.limit ?? SCHEDULE_PAGE_DEFAULT;
    const { schedules } = this.options;
    const page = await schedules.store.list({
      handler: query?.handler,
      cursor: query?.cursor ?? null,
      limit,
    });
    return { items: await schedules.infos(page.items), cursor: page.cursor };
  }

  /** `registry.pauseSchedule` / `resumeSchedule`. @throws ScheduleNotFoundError */
  async setPaused(id: string, paused: boolean): Promise<ScheduleInfo> {
    if (!isScheduleId(id)) throw new ScheduleNotFoundError(id);
    const { schedules } = this.options;
    const schedule = await schedules.store.setPaused(id, paused);
    if (schedule === null) throw new ScheduleNotFoundError(id);
    schedules.apply(id, schedule);
    if (!paused) schedules.resumePausedByPolicy(id);
    return schedules.info(schedule);
  }

  /**
   * Runs a schedule's handler now on this replica (its overlap policy
   * holds), with `scheduledAt` = now.
   * @throws ScheduleNotFoundError, InvalidScheduleError when this replica does not declare its handler
   */
  async run(id: string): Promise<unknown> {
    if (!isScheduleId(id)) throw new ScheduleNotFoundError(id);
    const { schedules, scheduler } = this.options;
    const schedule: StoredSchedule | null = await schedules.store.get(id);
    if (schedule === null) throw new ScheduleNotFoundError(id);
    if (!schedules.declares(schedule.handler))
      throw new InvalidScheduleError(
        unknownScheduleHandler(
          scheduleLabel(id),
          schedule.handler,
          schedules.handlerNames,
        ),
        'handler',
        schedule.handler,
      );
    schedules.apply(id, schedule);
    return scheduler.runTask(scheduleTaskName(id));
  }
}
