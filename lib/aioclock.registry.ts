import { Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { AioClockOrchestrator } from './aioclock.orchestrator';
import type { TaskEvent } from './interfaces/task-event.interface';
import type { TaskInfo } from './interfaces/task-info.interface';
import type {
  HistoryQuery,
  RunRecord,
} from './interfaces/run-record.interface';
import { AioClockError } from './errors/aioclock.error';
import { invalidHistoryLimit } from './aioclock.messages';
import type { ClockJump } from './interfaces/clock-jump.interface';

/**
 * The public runtime API: list tasks, run one now, pause and resume tasks or
 * whole groups, and watch what happens. Injectable anywhere.
 */
@Injectable()
export class AioClockRegistry {
  constructor(private readonly orchestrator: AioClockOrchestrator) {}

  /** Every registered task, in registration order. */
  getTasks(): TaskInfo[] {
    return this.orchestrator.scheduler.getTasks();
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
    const limit = query.limit ?? Infinity;
    if (typeof limit !== 'number' || Number.isNaN(limit) || limit < 0)
      return Promise.reject(
        new AioClockError(invalidHistoryLimit(name, limit)),
      );
    try {
      return this.orchestrator.scheduler.getHistory(name, limit);
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
