import {
  retryingRun,
  retryPastNextDue,
  skipReasons,
} from '../aioclock.messages';
import type { RunTrace } from '../observability/run-instrumentation';
import { jitterOffsetMs } from './due-jitter';
import type { SchedulerInternals } from './scheduler-internals';
import type { PendingRetry, TaskPolicies } from './task-policies';
import type { RunWaiter, TaskState } from './task-state';
import { NOT_QUEUED } from './timer-queue';

type RunPoliciesHost = Pick<
  SchedulerInternals,
  | 'clock'
  | 'coordinator'
  | 'logger'
  | 'phase'
  | 'tasks'
  | 'claims'
  | 'budget'
  | 'forever'
  | 'runScheduled'
  | 'takeGroupSlot'
  | 'skip'
  | 'afterRun'
  | 'maybeFinish'
  | 'reportError'
>;

/**
 * The waiter of a retry: carries the try's number (and `catchUp`) to the
 * run's context and settles the original waiter, if any, with the last try.
 */
class RetryWaiter implements RunWaiter {
  constructor(
    readonly attempt: number,
    readonly catchUp: boolean,
    private readonly inner: RunWaiter | null,
    readonly firstTrace: RunTrace | null,
  ) {}
  resolve(value: unknown): void {
    this.inner?.resolve(value);
  }
  reject(error: unknown): void {
    this.inner?.reject(error);
  }
}

/**
 * Run policies at run time, for the tasks that have any (`task.policies`):
 * jittered starts, retries with backoff, pausing after consecutive failures.
 * One per scheduler; a task without policies never reaches this file.
 *
 * A retry keeps its task's overlap slot while it waits (the task counts as
 * running), so no other due time of the task slips in between, and it is
 * made only if it starts before the task's next due time.
 */
export class RunPolicies {
  /** @param host the scheduler */
  constructor(private readonly host: RunPoliciesHost) {}

  /**
   * A due time of a task with `jitter` fired: its claim and run happen after
   * the task's offset for it (at once when the offset is 0).
   */
  startJittered(
    task: TaskState,
    due: number,
    periodMs: number | null,
    receipt: unknown,
  ): void {
    const policies = task.policies!;
    // Before the next due time even when this gap is shorter than the
    // period the jitter was checked against (an @At on a 23-hour DST day).
    const offset = Math.min(
      jitterOffsetMs(task.name, due, policies.jitterMs),
      periodMs === null ? Infinity : Math.max(0, periodMs - 1),
    );
    const start = { due, periodMs, receipt };
    if (offset === 0) {
      this.launch(task, start.due, periodMs, receipt);
      return;
    }
    const timer = this.host.clock.setTimer(() => {
      policies.jittered.delete(timer);
      try {
        this.afterJitter(task, start.due, start.periodMs, start.receipt);
      } catch (error) {
        this.host.reportError(error);
      }
    }, offset);
    policies.jittered.set(timer, start);
  }

  private afterJitter(
    task: TaskState,
    due: number,
    periodMs: number | null,
    receipt: unknown,
  ): void {
    const host = this.host;
    if (host.phase !== 'running') return;
    if (task.isPaused) {
      host.skip(task, due, skipReasons.paused);
      host.budget.refund(task, receipt);
      host.maybeFinish(task);
      return;
    }
    this.launch(task, due, periodMs, receipt);
    host.maybeFinish(task);
  }

  /** Claims the due time (under a coordinator, still by its nominal time) or runs it. */
  private launch(
    task: TaskState,
    due: number,
    periodMs: number | null,
    receipt: unknown,
  ): void {
    if (task.claim !== null)
      this.host.claims.claim(task, due, periodMs, receipt);
    else this.host.runScheduled(task, due, receipt);
  }

  /**
   * A run of the task failed (or timed out): schedules its retry, keeping
   * the overlap slot, when its policy allows one; else it failed for good,
   * which `pauseOnFailure` counts.
   * @param due the due time the run was for
   * @param waiter the run's waiter: a retry's carries its try number
   * @param cancelled the scheduler aborted it (`cancelOther`, shutdown): no retry, not counted
   * @returns `true` when a retry is scheduled (the failure is not final)
   */
  failed(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    cancelled: boolean,
    error: unknown,
    trace: RunTrace | null,
  ): boolean {
    const policies = task.policies!;
    const retry = policies.retry;
    const host = this.host;
    const attempt = waiter?.attempt ?? 1;
    if (
      retry !== null &&
      attempt < retry.attempts &&
      !cancelled &&
      host.phase === 'running' &&
      task.kind !== 'forever'
    ) {
      const delay = retry.delayAfter(attempt, task.name, due);
      const now = host.clock.timestamp();
      // The task's next due time after this one: a later one already fired
      // (the run overran it: it was skipped or buffered), else the queued one.
      // A backfilled or caught-up due time is long past: only the queued one counts.
      const next =
        task.cursor > due && waiter?.catchUp !== true
          ? task.cursor
          : task.queuedDue;
      if (next === NOT_QUEUED || now + delay < next) {
        host.logger.warn(
          retryingRun(task.name, attempt, retry.attempts, delay, error),
        );
        task.running++; // the slot stays taken until the retry starts
        policies.pendingRetry = {
          timer: host.clock.setTimer(() => this.retryNow(task), delay),
          due,
          attempt: attempt + 1,
          catchUp: waiter?.catchUp === true,
          waiter,
          error,
          // The first try's (a runTask waiter is no try: its run is the first).
          firstTrace:
            waiter?.attempt !== undefined ? (waiter.firstTrace ?? null) : trace,
        };
        return true;
      }
      host.logger.warn(
        retryPastNextDue(task.name, attempt, retry.attempts, now + delay, next),
      );
    }
    if (!cancelled) this.failedForGood(task, error);
    return false;
  }

  /** A run of the task succeeded: a `pauseOnFailure` streak is broken. */
  succeeded(task: TaskState): void {
    task.policies!.pause?.succeeded();
  }

  /** The task was resumed: `pauseOnFailure` counts from zero again. */
  resumed(task: TaskState): void {
    task.policies?.pause?.resumed();
  }

  /**
   * A newer run replaces the task's waiting retry (`cancelOther`): the retry
   * is dropped as a final failure and gives its slot up. `false` if none waited.
   */
  dropRetry(task: TaskState): boolean {
    const policies = task.policies;
    const pending = policies?.pendingRetry ?? null;
    if (policies == null || pending === null) return false;
    this.release(task, policies, pending);
    this.host.skip(task, pending.due, skipReasons.replaced);
    pending.waiter?.reject(pending.error);
    this.host.afterRun(task);
    return true;
  }

  /** Shutdown: cancels jittered starts and waiting retries (their waiters reject with the last error). */
  stop(): void {
    for (const task of this.host.tasks.values()) this.cancel(task);
  }

  /**
   * Shutdown or `removeTask`: cancels the task's jittered starts and its
   * waiting retry (whose waiter rejects with the last error).
   */
  cancel(task: TaskState): void {
    const host = this.host;
    const policies = task.policies;
    if (policies === null) return;
    for (const [timer, start] of policies.jittered) {
      host.clock.clearTimer(timer);
      host.budget.refund(task, start.receipt);
    }
    policies.jittered.clear();
    const pending = policies.pendingRetry;
    if (pending !== null) {
      this.release(task, policies, pending);
      pending.waiter?.reject(pending.error);
    }
    host.maybeFinish(task);
  }

  private retryNow(task: TaskState): void {
    const policies = task.policies!;
    const pending = policies.pendingRetry;
    if (pending === null) return;
    try {
      this.release(task, policies, pending);
      // No turn of the loop between giving the slot up and taking it again.
      this.host.takeGroupSlot(
        task,
        pending.due,
        new RetryWaiter(
          pending.attempt,
          pending.catchUp,
          pending.waiter,
          pending.firstTrace,
        ),
        undefined,
      );
    } catch (error) {
      this.host.reportError(error);
    }
  }

  private release(
    task: TaskState,
    policies: TaskPolicies,
    pending: PendingRetry,
  ): void {
    this.host.clock.clearTimer(pending.timer);
    policies.pendingRetry = null;
    task.running--;
  }

  /**
   * A run failed for good: `pauseOnFailure` may pause the task (logged once).
   * A task the cluster shares is counted in the store, where the runs other
   * replicas made before it moved here count too: it pauses on the answer,
   * or on this process's count when the store does not give one.
   */
  private failedForGood(task: TaskState, error: unknown): void {
    const pause = task.policies!.pause;
    if (pause === null) return;
    const coordinator = this.host.coordinator;
    if (task.claim === null || coordinator?.countFailedRun === undefined) {
      this.pauseFor(task, pause.failed(task.name, error));
      return;
    }
    const answered = (streak: number | null) => {
      // Answered after the task was removed (or replaced): nothing to pause.
      if (this.host.tasks.get(task.name) !== task) return;
      try {
        this.pauseFor(
          task,
          streak === null
            ? pause.failed(task.name, error)
            : pause.counted(task.name, streak, error),
        );
      } catch (thrown) {
        this.host.reportError(thrown);
      }
    };
    coordinator.countFailedRun(task.name).then(
      (streak) => answered(Number.isFinite(streak) ? streak : null),
      () => answered(null),
    );
  }

  /** Pauses the task for `reason` (everywhere, under a durable coordinator); nothing when null. */
  private pauseFor(task: TaskState, reason: string | null): void {
    if (reason === null) return;
    task.paused = true;
    this.host.forever.stop(task);
    this.host.logger.warn(reason);
    // Under a durable coordinator the pause holds on every replica.
    this.host.coordinator?.pauseTask?.(task.name, reason);
  }

  /**
   * The task paused itself on another replica (`pauseOnFailure`): paused
   * here too, with its reason. Not logged: the replica that paused it did.
   */
  pausedElsewhere(task: TaskState, reason: string): void {
    const pause = task.policies?.pause;
    if (pause === undefined || pause === null) return;
    pause.pausedElsewhere(reason);
    task.paused = true;
    this.host.forever.stop(task);
  }

  /**
   * The task's cluster-wide pause was cleared (resumed on some replica): a
   * task paused here by its policy resumes, counting from zero.
   */
  resumedElsewhere(task: TaskState): void {
    const pause = task.policies?.pause;
    if (pause === undefined || pause === null || pause.reason === null) return;
    task.paused = false;
    pause.resumed();
    this.host.forever.arm(task);
  }
}
