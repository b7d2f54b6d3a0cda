import { SCHEDULE_TASK_PREFIX } from '../aioclock.constants';
import {
  scheduleLabel,
  scheduleNotSchedulable,
  scheduleReloadFailed,
  schedulesLoadFailed,
} from '../aioclock.messages';
import { stackOf } from '../scheduler/run-outcome';
import type { Coordinator } from '../coordination/coordinator.interface';
import { scheduleContentKey } from '../coordination/schedule-content';
import type {
  ScheduleStore,
  StoredSchedule,
} from '../coordination/schedule-store.interface';
import type { ScheduleInfo } from '../interfaces/schedule.interface';
import type { TaskContext } from '../interfaces/task-context.interface';
import type { TaskInfo } from '../interfaces/task-info.interface';
import type { Scheduler } from '../scheduler/scheduler';
import type {
  SchedulerLogger,
  TaskDefinition,
} from '../scheduler/task-definition';
import type { ScheduleHandlerDefinition } from './schedule-handler';

/** How long a replica waits before loading its schedules again after the store failed. */
export const SCHEDULES_RELOAD_MS = 5_000;

/** What a replica has made of one schedule: the content it scheduled. */
interface AppliedSchedule {
  contentKey: string;
  paused: boolean;
  revision: number;
  updatedAt: number;
}

/** What `DurableSchedules` needs. */
export interface DurableSchedulesOptions {
  scheduler: Scheduler;
  store: ScheduleStore;
  logger: SchedulerLogger;
  coordinator?: Coordinator;
  /** The set of this replica's timed tasks changed (a durable coordinator must hear of it). */
  onTasksChanged: () => void;
}

/** The scheduler task of schedule `id`. */
export function scheduleTaskName(id: string): string {
  return SCHEDULE_TASK_PREFIX + id;
}

/**
 * Durable schedules on one replica: loads the schedules of the handlers it
 * declares at start, keeps each as a scheduler task `schedule:<id>` in its
 * handler's group (so the group's concurrency and timeout apply, and a
 * durable coordinator owns and fences it like any task), and follows the
 * store's change notices: a changed schedule is replaced (its next due time
 * counted from now), a pause or resume applied, a removed one taken out.
 * No Nest in here.
 */
export class DurableSchedules {
  private readonly handlers = new Map<string, ScheduleHandlerDefinition>();
  private readonly applied = new Map<string, AppliedSchedule>();
  /** Ids being re-read → whether another notice came meanwhile. */
  private readonly reloading = new Map<string, boolean>();
  private unwatch: (() => void) | null = null;
  private started = false;
  private retry: NodeJS.Timeout | null = null;

  /** @param options the scheduler, the store, the coordinator */
  constructor(private readonly options: DurableSchedulesOptions) {}

  /** The `@ScheduleHandler` methods discovery found (before `start`). */
  addHandlers(handlers: readonly ScheduleHandlerDefinition[]): void {
    for (const handler of handlers) this.handlers.set(handler.name, handler);
  }

  /** The store schedules live in. */
  get store(): ScheduleStore {
    return this.options.store;
  }

  /** The handler names this replica declares, sorted. */
  get handlerNames(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** True when this replica declares `handler`. */
  declares(handler: string): boolean {
    return this.handlers.has(handler);
  }

  /** True when `name` is the task of a schedule scheduled here. */
  isScheduleTask(name: string): boolean {
    return (
      name.startsWith(SCHEDULE_TASK_PREFIX) &&
      this.applied.has(name.slice(SCHEDULE_TASK_PREFIX.length))
    );
  }

  /**
   * Watches the store, then schedules every schedule of this replica's
   * handlers. Never rejects: when the store cannot be read, the failure is
   * logged and the load is tried again every `SCHEDULES_RELOAD_MS`.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unwatch = this.options.store.watch(
      (id) => this.reload(id),
      () => void this.reloadAll(),
    );
    await this.load();
  }

  /** Stops following the store (the scheduler stops the tasks). */
  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
  }

  private load(): Promise<void> {
    return this.loadSchedules(false);
  }

  /**
   * Makes the scheduler match the stored schedule `id` (`null`: removed).
   * @param notify tell the coordinator when the set of tasks changed
   */
  apply(id: string, schedule: StoredSchedule | null, notify = true): void {
    if (!this.started) return;
    const name = scheduleTaskName(id);
    const current = this.applied.get(id);
    if (schedule === null || !this.handlers.has(schedule.handler)) {
      if (current === undefined) return;
      this.applied.delete(id);
      this.options.scheduler.removeTask(name).catch(() => undefined);
      if (notify) this.options.onTasksChanged();
      return;
    }
    // A read that started before a newer change was applied: stale.
    if (
      current !== undefined &&
      schedule.revision < current.revision &&
      schedule.updatedAt <= current.updatedAt
    )
      return;
    const contentKey = scheduleContentKey(schedule);
    const scheduler = this.options.scheduler;
    if (current !== undefined && current.contentKey === contentKey) {
      current.revision = schedule.revision;
      current.updatedAt = schedule.updatedAt;
      if (current.paused === schedule.paused) return;
      current.paused = schedule.paused;
      if (schedule.paused) scheduler.pause(name);
      else scheduler.resume(name);
      return;
    }
    if (current !== undefined) {
      this.applied.delete(id);
      scheduler.removeTask(name).catch(() => undefined);
    }
    try {
      scheduler.addTask(this.definitionOf(schedule));
    } catch (error) {
      this.options.logger.warn(
        scheduleNotSchedulable(scheduleLabel(id), error),
      );
      if (notify && current !== undefined) this.options.onTasksChanged();
      return;
    }
    if (schedule.paused) scheduler.pause(name);
    this.applied.set(id, {
      contentKey,
      paused: schedule.paused,
      revision: schedule.revision,
      updatedAt: schedule.updatedAt,
    });
    if (notify) this.options.onTasksChanged();
  }

  /** The schedule as the registry reports it, with how it runs here. */
  info(schedule: StoredSchedule): ScheduleInfo {
    const name = scheduleTaskName(schedule.id);
    let task: TaskInfo | null = null;
    // Its task may have been removed by name (registry.removeTask).
    if (this.applied.has(schedule.id) && this.options.scheduler.tasks.has(name))
      task = this.options.scheduler.getTask(name);
    const owner =
      task?.owner ?? this.options.coordinator?.ownerOf?.(name) ?? null;
    const info: ScheduleInfo = {
      ...(schedule.options as object),
      id: schedule.id,
      handler: schedule.handler,
      trigger: schedule.trigger,
      payload: schedule.payload,
      startAt: schedule.startAt,
      endAt: schedule.endAt,
      enabled: schedule.enabled,
      // `pauseOnFailure` pauses the task, not the stored schedule.
      paused: schedule.paused || task?.paused === true,
      revision: schedule.revision,
      updatedAt: new Date(schedule.updatedAt),
      nextRunAt: task?.nextRunAt ?? null,
      lastRunAt: task?.lastRunAt ?? null,
      runs: task?.runs ?? 0,
      failures: task?.failures ?? 0,
      owner,
      noHandler: !this.handlers.has(schedule.handler) && owner === null,
    };
    if (task?.pausedReason !== undefined) info.pausedReason = task.pausedReason;
    return info;
  }

  /**
   * `resumeSchedule`: a schedule its own `pauseOnFailure` paused is resumed
   * too (the store never saw that pause, so `apply` finds nothing to change).
   */
  resumePausedByPolicy(id: string): void {
    const name = scheduleTaskName(id);
    const scheduler = this.options.scheduler;
    if (this.applied.has(id) && scheduler.tasks.get(name)?.paused === true)
      scheduler.resume(name);
  }

  /**
   * After a gap in the store's change log (a replica cut off for longer than
   * the log reaches): loads its handlers' schedules again, and re-reads each
   * one it holds that is not among them (removed in the gap, or moved to a
   * handler it does not declare). A failed load is tried again every
   * `SCHEDULES_RELOAD_MS`.
   */
  private reloadAll(): Promise<void> {
    return this.loadSchedules(true);
  }

  /**
   * Schedules every schedule of this replica's handlers; `again` (after a
   * gap) also re-reads each one it holds that was not loaded. Never rejects:
   * a failed load is logged and tried again every `SCHEDULES_RELOAD_MS`.
   */
  private async loadSchedules(again: boolean): Promise<void> {
    if (this.handlers.size === 0 || this.unwatch === null) return;
    let schedules: StoredSchedule[];
    try {
      schedules = await this.options.store.loadAll(this.handlerNames);
    } catch (error) {
      this.options.logger.error(
        schedulesLoadFailed(error, SCHEDULES_RELOAD_MS),
        stackOf(error),
      );
      if (this.retry !== null) clearTimeout(this.retry);
      // Plain timer: it waits on a backend, not on the scheduler's time.
      this.retry = setTimeout(() => {
        this.retry = null;
        void this.loadSchedules(again);
      }, SCHEDULES_RELOAD_MS);
      this.retry.unref();
      return;
    }
    if (this.unwatch === null) return;
    const loaded = new Set<string>();
    for (const schedule of schedules) {
      loaded.add(schedule.id);
      this.apply(schedule.id, schedule, false);
    }
    if (again)
      for (const id of [...this.applied.keys()])
        if (!loaded.has(id)) this.reload(id);
    this.options.onTasksChanged();
  }

  /**
   * The schedules as `info` reports them, with the cluster's counters
   * (`runs`, `failures`, `lastRunAt`) read in one round trip for those this
   * replica holds no task of (its handler is not declared here): a replica
   * holding one shows them already, as its `TaskInfo` does.
   */
  async infos(schedules: readonly StoredSchedule[]): Promise<ScheduleInfo[]> {
    const infos = schedules.map((schedule) => this.info(schedule));
    const coordinator = this.options.coordinator;
    if (coordinator?.readClusterState === undefined) return infos;
    const scheduler = this.options.scheduler;
    const absent = infos.filter(
      (info) =>
        !(
          this.applied.has(info.id) &&
          scheduler.tasks.has(scheduleTaskName(info.id))
        ),
    );
    if (absent.length === 0) return infos;
    const states = await coordinator.readClusterState(
      absent.map((info) => scheduleTaskName(info.id)),
    );
    for (const info of absent) {
      const state = states.get(scheduleTaskName(info.id));
      if (state === undefined) continue;
      info.runs = state.runs;
      info.failures = state.failures;
      info.lastRunAt = Number.isNaN(state.lastRunAt)
        ? null
        : new Date(state.lastRunAt);
    }
    return infos;
  }

  /** A change notice: re-reads the schedule (one read per id at a time). */
  private reload(id: string): void {
    if (this.reloading.has(id)) {
      this.reloading.set(id, true);
      return;
    }
    this.reloading.set(id, false);
    this.options.store
      .get(id)
      .then(
        (schedule) => this.apply(id, schedule),
        (error: unknown) =>
          this.options.logger.warn(scheduleReloadFailed(id, error)),
      )
      .catch((error: unknown) =>
        this.options.logger.warn(scheduleReloadFailed(id, error)),
      )
      .finally(() => {
        const again = this.reloading.get(id) === true;
        this.reloading.delete(id);
        if (again) this.reload(id);
      });
  }

  /** The scheduler task of a stored schedule: its handler, called with a frozen copy of its payload. */
  private definitionOf(schedule: StoredSchedule): TaskDefinition {
    const handler = this.handlers.get(schedule.handler)!;
    const payload = deepFreeze(schedule.payload);
    return {
      ...(schedule.options as Partial<TaskDefinition>),
      name: scheduleTaskName(schedule.id),
      group: handler.group,
      trigger: schedule.trigger,
      enabled: schedule.enabled,
      startAt: schedule.startAt ?? undefined,
      endAt: schedule.endAt ?? undefined,
      invoke: (ctx: TaskContext) => handler.invoke(payload, ctx),
    };
  }
}

/** Freezes a JSON value all the way down, so one run cannot change the next one's payload. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
