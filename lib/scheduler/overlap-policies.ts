import { runAbandoned, runCancelled, skipReasons } from '../aioclock.messages';
import { AioClockError } from '../errors/aioclock.error';
import { TaskBusyError } from '../errors/task-busy.error';
import { Fifo } from './fifo';
import { CANCEL_OTHER_GRACE_MS } from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';
import {
  type Run,
  RunRequest,
  type RunWaiter,
  type TaskState,
} from './task-state';

type OverlapPoliciesHost = Pick<
  SchedulerInternals,
  | 'budget'
  | 'skip'
  | 'takeGroupSlot'
  | 'clock'
  | 'failRun'
  | 'runPolicies'
  | 'claims'
>;

/**
 * What happens to a run that is due while its task is busy (a run in flight
 * or waiting for a group slot): the task's `overlap` option decides. The
 * scheduler asks only when the task is busy and its policy is not `allow`,
 * so a task that does not overlap itself never reaches this file.
 * A scheduled run (no waiter) has been counted against `maxLoopCount`; when
 * the policy drops it, its count is given back. A requested one (`runTask`)
 * carries a waiter, which is rejected with `TaskBusyError` when dropped.
 */
/**
 * The task is busy here and its policy would drop a scheduled run due now:
 * `skip`, or `bufferOne` with its one run already waiting (`whenBusy`).
 */
export function dropsDueRun(task: TaskState): boolean {
  if (!task.busy) return false;
  return (
    task.overlap === 'skip' ||
    (task.overlap === 'bufferOne' &&
      (task.waiting > 0 || (task.buffer !== null && task.buffer.length > 0)))
  );
}

export class OverlapPolicies {
  /** @param host the scheduler */
  constructor(private readonly host: OverlapPoliciesHost) {}

  /**
   * Skips the run, buffers it, or makes it replace the current one.
   * @param waiter `null` for a scheduled run
   * @param receipt the trigger's receipt for `due` (scheduled runs)
   */
  whenBusy(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    receipt: unknown,
  ): void {
    switch (task.overlap) {
      case 'skip':
        this.refuse(task, due, waiter, receipt, skipReasons.running);
        return;
      case 'bufferOne':
        // One run may wait: buffered, or itself still waiting for a group slot.
        if (
          task.waiting > 0 ||
          (task.buffer !== null && task.buffer.length > 0)
        ) {
          this.refuse(task, due, waiter, receipt, skipReasons.buffered);
          return;
        }
        break;
      case 'cancelOther':
        this.cancelOther(task, due, waiter, receipt);
        return;
      default: // bufferAll
        break;
    }
    (task.buffer ??= new Fifo<RunRequest>()).push(
      new RunRequest(task, due, waiter, receipt),
    );
  }

  /**
   * A run of the task ended: starts its buffered runs while it is not busy
   * (a scheduled one found paused is dropped, skipped as `paused`).
   */
  startBuffered(task: TaskState): void {
    const buffer = task.buffer;
    const host = this.host;
    while (buffer !== null && buffer.length > 0 && !task.busy) {
      const request = buffer.shift()!;
      if (request.scheduled && task.isPaused) {
        host.skip(task, request.due, skipReasons.paused);
        host.budget.refund(task, request.receipt);
        continue;
      }
      host.takeGroupSlot(task, request.due, request.waiter, request.receipt);
    }
    // Buffered runs dropped, none started: the task runs nowhere now.
    if (task.claim !== null) host.claims.releaseMark(task);
  }

  private refuse(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    receipt: unknown,
    reason: string,
  ): void {
    this.host.skip(task, due, reason);
    if (waiter === null) this.host.budget.refund(task, receipt);
    else waiter.reject(new TaskBusyError(task.name, task.overlap));
  }

  /** The newest due run replaces any waiting one and aborts the one in flight. */
  private cancelOther(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    receipt: unknown,
  ): void {
    const waiting = task.waitingRequest;
    if (waiting !== null) {
      // Not started yet, waiting for a group slot: the newcomer takes its place.
      this.replaceOld(task, waiting);
      waiting.due = due;
      waiting.waiter = waiter;
      waiting.receipt = receipt;
      return;
    }
    const buffer = (task.buffer ??= new Fifo<RunRequest>());
    for (const old of buffer.drain()) this.replaceOld(task, old);
    buffer.push(new RunRequest(task, due, waiter, receipt));
    if (!this.abortCurrent(task) && task.policies !== null) {
      // A failed run waiting for its retry is the one replaced.
      this.host.runPolicies.dropRetry(task);
    }
  }

  /**
   * The owner of a `cancelOther` task on another replica asks to abort this
   * replica's run of it: the run in flight is aborted (with the grace) and
   * the runs waiting behind it here are dropped, so none starts after it.
   */
  cancelForCluster(task: TaskState): void {
    const buffer = task.buffer;
    if (buffer !== null)
      for (const old of buffer.drain()) this.replaceOld(task, old);
    this.abortCurrent(task);
  }

  /** Aborts the task's run in flight, once; false when none is. */
  private abortCurrent(task: TaskState): boolean {
    const current = task.current;
    if (current === null || current.cancelled) return false;
    current.cancelled = true;
    current.context.abort(new AioClockError(runCancelled(task.name)));
    this.armGrace(current);
    return true;
  }

  /**
   * Gives an aborted run `CANCEL_OTHER_GRACE_MS` to end; then it is abandoned
   * (failed with a warning) and frees the task for the buffered newer run.
   * Its timeout timer, if any, is replaced: the run is over by then anyway.
   */
  private armGrace(run: Run): void {
    const { clock } = this.host;
    if (run.done) return;
    if (run.timer !== null) clock.clearTimer(run.timer);
    run.timer = clock.setTimer(() => {
      run.timer = null;
      if (run.done) return;
      this.host.failRun(
        run,
        new AioClockError(runAbandoned(run.task.name, CANCEL_OTHER_GRACE_MS)),
      );
    }, CANCEL_OTHER_GRACE_MS);
  }

  /** A run that had not started is replaced: skipped, its count given back. */
  private replaceOld(task: TaskState, old: RunRequest): void {
    this.refuse(task, old.due, old.waiter, old.receipt, skipReasons.replaced);
  }
}
