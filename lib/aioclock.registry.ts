import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { AioClockOrchestrator } from './aioclock.orchestrator';
import type { TaskEvent } from './interfaces/task-event.interface';
import type { TaskInfo } from './interfaces/task-info.interface';
import type {
  HistoryQuery,
  RunRecord,
} from './interfaces/run-record.interface';
import { historyQueryOwner } from './aioclock.messages';
import { checkOptions } from './options/option-rules';
import { HISTORY_QUERY_TABLE } from './options/query.options';
import type { ClockJump } from './interfaces/clock-jump.interface';
import type { AddTaskOptions } from './interfaces/runtime-task.interface';
import type {
  ScheduleInfo,
  ScheduleQuery,
  SchedulePage,
  UpsertScheduleOptions,
} from './interfaces/schedule.interface';
import type { TaskDecorator } from './decorators/task-decorator';
import type { TriggerSpec } from './interfaces/trigger-spec.interface';
import {
  addedTaskDefinition,
  rescheduleSpecOf,
} from './options/runtime-task.options';
import { ScheduleCommands } from './schedules/schedule-commands';

/**
 * The public runtime API: list tasks, run one now, pause and resume tasks or
 * whole groups, and watch what happens. Injectable anywhere.
 */
@Injectable()
export class AioClockRegistry {
  private commands?: ScheduleCommands;

  constructor(private readonly orchestrator: AioClockOrchestrator) {}

  /** Every registered task, in registration order (durable schedules are listed by `listSchedules`). */
  getTasks(): TaskInfo[] {
    const schedules = this.orchestrator.schedules;
    return this.orchestrator.scheduler
      .getTasks()
      .filter((task) => !schedules.isScheduleTask(task.name));
  }

  /**
   * Every task the scheduler runs, durable schedules' own tasks
   * (`schedule:<id>`) included: what a health check watches.
   */
  getAllTasks(): TaskInfo[] {
    return this.orchestrator.scheduler.getTasks();
  }

  /**
   * Adds a task at run time, in this process (functions do not travel
   * between replicas); validated like a decorator. Under a durable
   * coordinator it is declared to the cluster, owned and fenced like a
   * decorated task (every replica that should run it must add it too).
   * @param options `name`, `trigger` (a decorator's result such as `Every({ seconds: 5 })`, or a spec), `run(ctx)`, `group` (default `'default'`) and any `TaskOptions`
   * @returns the task as `getTask` shows it
   * @throws InvalidTriggerError naming the task and the bad value; AioClockError for a duplicate name
   */
  addTask(options: AddTaskOptions): TaskInfo {
    const scheduler = this.orchestrator.scheduler;
    const def = addedTaskDefinition(options);
    scheduler.addTask(def);
    this.orchestrator.tasksChanged();
    return scheduler.getTask(def.name);
  }

  /**
   * Removes a task (decorated or added): none of its runs starts after this
   * call (a `runTask` still waiting for its turn rejects). A task added with
   * `addTask` also leaves a durable coordinator's store (its state and
   * history), unless another replica still declares it.
   * @returns resolves once no run of it is in flight (for an added task, also
   *   once the store has forgotten it, or has logged why it could not)
   * @throws (as a rejection) TaskNotFoundError
   */
  removeTask(name: string): Promise<void> {
    const orchestrator = this.orchestrator;
    const added =
      orchestrator.scheduler.tasks.get(name)?.def.addedAtRunTime === true;
    const removed = orchestrator.scheduler.removeTask(name);
    orchestrator.tasksChanged();
    // A decorated task comes back at the next start: its state stays.
    return added
      ? removed.then(() => orchestrator.forgetRemovedTask(name))
      : removed;
  }

  /**
   * Gives a timed task (`every`, `at`, `cron`, `or`) a new trigger; its next
   * due time is computed from now and the new `maxLoopCount` counts from zero.
   * @param trigger a decorator's result (`Cron('0 9 * * *')`) or a spec of kind every, at, cron or or
   * @throws TaskNotFoundError; InvalidTriggerError naming the task and the bad value
   */
  reschedule(name: string, trigger: TaskDecorator | TriggerSpec): TaskInfo {
    const info = this.orchestrator.scheduler.reschedule(
      name,
      rescheduleSpecOf(name, trigger),
    );
    this.orchestrator.tasksChanged();
    return info;
  }

  /**
   * Creates or replaces a durable schedule, atomically and idempotently:
   * the same content again changes nothing; a changed trigger takes effect
   * from now. Stored in the durable coordinator's store (every replica sees
   * it, it survives restarts), else in this process's memory.
   * @param schedule `id` (1–200 characters, no control characters), `handler` (a `@ScheduleHandler` name), `trigger` (every / at / cron / or), `payload` (JSON, ≤ 64 KiB), `startAt`, `endAt`, `enabled` and `TaskOptions`
   * @throws (as a rejection) InvalidScheduleError or InvalidTriggerError naming the id and the bad value
   */
  upsertSchedule(schedule: UpsertScheduleOptions): Promise<ScheduleInfo> {
    return this.call((commands) => commands.upsert(schedule));
  }

  /** Removes a durable schedule everywhere. @returns `true` when it existed */
  removeSchedule(id: string): Promise<boolean> {
    return this.call((commands) => commands.remove(id));
  }

  /** One durable schedule, or null. */
  getSchedule(id: string): Promise<ScheduleInfo | null> {
    return this.call((commands) => commands.get(id));
  }

  /**
   * Durable schedules by id, a page at a time.
   * @param query `handler`, `cursor` (from the previous page), `limit` (1–1 000, default 100)
   */
  listSchedules(query: ScheduleQuery = {}): Promise<SchedulePage> {
    return this.call((commands) => commands.list(query));
  }

  /** Pauses a durable schedule on every replica. @throws (as a rejection) ScheduleNotFoundError */
  pauseSchedule(id: string): Promise<ScheduleInfo> {
    return this.call((commands) => commands.setPaused(id, true));
  }

  /** Resumes a durable schedule; its next due time follows its trigger. @throws (as a rejection) ScheduleNotFoundError */
  resumeSchedule(id: string): Promise<ScheduleInfo> {
    return this.call((commands) => commands.setPaused(id, false));
  }

  /**
   * Runs a durable schedule's handler now, on this replica, with its payload.
   * @returns what the handler returned; rejects with what it threw
   */
  runSchedule(id: string): Promise<unknown> {
    return this.call((commands) => commands.run(id));
  }

  /** The schedule calls; synchronous throws become rejections. */
  scheduleCommands(): ScheduleCommands {
    this.commands ??= new ScheduleCommands({
      scheduler: this.orchestrator.scheduler,
      schedules: this.orchestrator.schedules,
      logger: this.orchestrator.logger,
      durable: this.orchestrator.durableSchedules,
    });
    return this.commands;
  }

  private call<T>(
    command: (commands: ScheduleCommands) => Promise<T>,
  ): Promise<T> {
    try {
      return command(this.scheduleCommands());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * One task.
   * @param name the task's name (`Class.method` unless renamed)
   * @throws TaskNotFoundError
   */
  getTask(name: string): TaskInfo {
    return this.orchestrator.scheduler.getTask(name);
  }

  /**
   * Runs a task now with a fresh context, respecting its `overlap` policy.
   * @returns what the method returned; rejects with what it threw, or `TaskNotFoundError`
   */
  runTask(name: string): Promise<unknown> {
    return this.orchestrator.scheduler.runTask(name);
  }

  /**
   * Fires every due time of a task in `[from, to]` (at most 1 000), oldest
   * first, each after the one before has ended, with `ctx.catchUp === true`,
   * respecting `overlap` and, under a coordinator, each due time's claim.
   * @param from first instant (Date or ISO string)
   * @param to last instant (Date or ISO string), not in the future
   * @returns how many due times ran (here)
   * @throws (as a rejection) TaskNotFoundError, or InvalidBackfillError for a bad range
   */
  backfill(
    name: string,
    from: Date | string,
    to: Date | string,
  ): Promise<number> {
    return this.orchestrator.scheduler.backfill(name, from, to);
  }

  /** Stops firing a task until `resume`; due times that pass meanwhile are skipped. */
  pause(name: string): void {
    this.orchestrator.scheduler.pause(name);
  }

  /** Resumes a paused task; its schedule continues from now. */
  resume(name: string): void {
    this.orchestrator.scheduler.resume(name);
  }

  /** Pauses every task of a group (a feature module). */
  pauseGroup(group: string): void {
    this.orchestrator.scheduler.pauseGroup(group);
  }

  /** Resumes every task of a group. */
  resumeGroup(group: string): void {
    this.orchestrator.scheduler.resumeGroup(group);
  }

  /**
   * A task's last runs (and skipped due times), newest first: cluster-wide
   * from a durable coordinator's store (`history.keep` per task), else this
   * process's last 100.
   * @param name the task's name
   * @param query `limit`: how many at most
   * @throws TaskNotFoundError
   */
  getHistory(name: string, query: HistoryQuery = {}): Promise<RunRecord[]> {
    try {
      checkOptions(historyQueryOwner(name), query, HISTORY_QUERY_TABLE);
      return this.orchestrator.scheduler.getHistory(
        name,
        query?.limit ?? Infinity,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * This process's own record of a task's last runs, newest first, whatever
   * the coordinator keeps: what the dashboard shows while the coordinator's
   * store cannot be read.
   * @param limit how many at most
   * @throws TaskNotFoundError
   */
  getLocalHistory(name: string, limit: number): RunRecord[] {
    return this.orchestrator.scheduler.getLocalHistory(name, limit);
  }

  /**
   * The latest step of the system clock the scheduler noticed (an NTP
   * correction, a VM restore): when, and by how many ms (< 0: back); `null`
   * if none.
   */
  lastClockJump(): ClockJump | null {
    return this.orchestrator.scheduler.lastClockJump();
  }

  /** Every `scheduled`, `started`, `succeeded`, `failed` and `skipped` event. */
  get events$(): Observable<TaskEvent> {
    return this.orchestrator.scheduler.events$;
  }
}
