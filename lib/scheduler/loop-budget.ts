import type { SchedulerInternals } from './scheduler-internals';
import type { TaskState } from './task-state';

type LoopBudgetHost = Pick<
  SchedulerInternals,
  'phase' | 'forever' | 'isEnabled' | 'enqueue' | 'unqueue'
>;

/**
 * The receipt of a held run counted against a trigger that `reschedule` has
 * replaced since: dropped later, it gives nothing back to the new trigger's count.
 */
export const UNCOUNTED: unique symbol = Symbol('uncounted');

/**
 * `maxLoopCount`, and the receipts of triggers that count their own runs (an
 * `or` whose members have limits). A scheduled run counts from the moment its
 * due time fires and it is not skipped; a counted run that then does not run
 * gives its count back (`refund`), and the schedule reopens if the count had
 * closed it. So exactly N runs happen. One per scheduler; nothing per run.
 */
export class LoopBudget {
  /** @param host the scheduler */
  constructor(private readonly host: LoopBudgetHost) {}

  /**
   * A scheduled run is going to happen: it counts against `maxLoopCount`
   * from now on — when it is the last, nothing more is scheduled — unless it
   * is given back with `refund` because it did not run after all.
   */
  reserve(task: TaskState): void {
    if (task.maxLoops === null) return;
    task.loops++;
    if (task.loops >= task.maxLoops) {
      task.exhausted = true;
      this.host.unqueue(task);
      this.host.forever.stop(task);
    }
  }

  /**
   * A counted scheduled run did not run after all (refused by the overlap
   * policy, replaced, dropped while paused, or its claim failed): give its
   * count back — to the task and to its trigger — and reopen the schedule if
   * the count had closed it or the trigger may now answer earlier.
   */
  refund(task: TaskState, receipt: unknown): void {
    // Counted against a trigger `reschedule` replaced: nothing to give back.
    if (receipt === UNCOUNTED) return;
    let reopen = this.giveBack(task, receipt);
    if (task.maxLoops !== null) {
      task.loops--;
      reopen ||= task.exhausted;
    }
    if (reopen) this.reopen(task);
  }

  /** Hands a trigger back a due time that will not run; `true` if it had counted it. */
  giveBack(task: TaskState, receipt: unknown): boolean {
    if (receipt === undefined || receipt === UNCOUNTED) return false;
    task.trigger.giveBack?.(receipt);
    return true;
  }

  /** Schedules a task again after a refund left it runs to make. */
  private reopen(task: TaskState): void {
    const host = this.host;
    // A removed task's refunds (its jittered start or claim cancelled) reopen nothing.
    if (task.removed || host.phase !== 'running' || !host.isEnabled(task))
      return;
    if (task.maxLoops !== null && task.loops >= task.maxLoops) return;
    if (task.kind === 'forever') {
      task.exhausted = false;
      host.forever.arm(task);
      return;
    }
    if (task.kind !== 'timed' || Number.isNaN(task.cursor)) return;
    // Asked again after its latest due time, the trigger gives the due time
    // the count kept from the queue, or an earlier one a member given back
    // resumes at (one that has passed fires at once, under the late rule).
    const next = task.trigger.next(task.cursor);
    if (next === null) return;
    task.exhausted = false;
    if (task.queuedDue !== next) host.enqueue(task, next);
  }
}
