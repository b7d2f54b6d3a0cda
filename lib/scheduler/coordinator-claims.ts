import {
  coordinatorRecovered,
  coordinatorUnavailable,
  skipReasons,
} from '../aioclock.messages';
import type { ClaimAnswer } from '../coordination/coordinator.interface';
import { ClusterOverlap } from './cluster-overlap';
import { dropsDueRun } from './overlap-policies';
import type { SchedulerInternals } from './scheduler-internals';
import { stackOf } from './run-outcome';
import type { TaskState } from './task-state';

type CoordinatorClaimsHost = Pick<
  SchedulerInternals,
  | 'coordinator'
  | 'logger'
  | 'otel'
  | 'events'
  | 'phase'
  | 'budget'
  | 'runScheduled'
  | 'skip'
  | 'maybeFinish'
  | 'clock'
>;

/**
 * Under a coordinator, each scheduled run of a timed task is claimed first:
 * the replica that wins runs it, the others count it as skipped (reason
 * `claimed`), and a claim that fails runs nowhere and gives its count back.
 * Also tracks whether the coordinator is reachable, so an outage is logged
 * once and its end once.
 */
export class CoordinatorClaims {
  private coordinatorDown = false;
  /** Due times held while their task runs on another replica. */
  readonly held: ClusterOverlap;

  /** @param host the scheduler */
  constructor(private readonly host: CoordinatorClaimsHost) {
    this.held = new ClusterOverlap(host, {
      won: (task, due, receipt) => this.claimWon(task, due, receipt),
      lost: (task, due, asked) => this.claimLost(task, due, asked),
      busy: (task, due, receipt) => this.skipBusy(task, due, receipt),
      failed: (task, due, receipt, error) =>
        this.claimFailed(task, due, receipt, error),
      release: (task) => this.releaseMark(task),
    });
  }

  /**
   * Asks the coordinator for a due run; the answer starts it or skips it.
   * @param periodMs the time to the task's next due time, `null` after its last
   * @param receipt the trigger's receipt for `due`
   */
  claim(
    task: TaskState,
    due: number,
    periodMs: number | null,
    receipt: unknown,
  ): void {
    // Busy here, and its policy drops this due time: it runs nowhere (the
    // cluster counts the task as running here). Not claimed: a won claim
    // would count it as one of the cluster's `maxLoopCount` runs.
    if (dropsDueRun(task)) {
      this.host.runScheduled(task, due, receipt);
      return;
    }
    task.claim!.pending++;
    // Behind held due times, without a claim: they start in order.
    if (this.held.holding(task)) {
      this.held.hold(task, due, periodMs, receipt);
      return;
    }
    const coordinator = this.host.coordinator!;
    // Another member's due time: skipped now, without a promise per task.
    if (coordinator.runsElsewhere?.(task.name, due) === true) {
      this.claimLost(task, due, false);
      return;
    }
    // This replica's already (fenced ahead): started now, in this pass.
    if (coordinator.claimHeld?.(task.name, due, periodMs) === true) {
      this.claimWon(task, due, receipt);
      return;
    }
    let answer: Promise<ClaimAnswer>;
    try {
      answer = coordinator.claim(task.name, due, periodMs);
    } catch (error) {
      answer = Promise.reject(error);
    }
    void answer.then(
      (won) =>
        won === true
          ? this.claimWon(task, due, receipt)
          : won === 'busy'
            ? this.claimBusy(task, due, periodMs, receipt)
            : this.claimLost(task, due, won !== 'notOwner'),
      (error: unknown) => this.claimFailed(task, due, receipt, error),
    );
  }

  /**
   * The cluster may count the task as running no longer: none of its runs is
   * in flight here, and none waits here to start (a buffered run starts
   * without a claim of its own, so the mark holds until it ends).
   */
  releaseMark(task: TaskState): void {
    if (
      task.running === 0 &&
      (task.buffer === null || task.buffer.length === 0)
    )
      this.host.coordinator!.runEnded?.(task.name);
  }

  /** The coordinator could not be reached (logged once per outage). */
  coordinatorFailed(error: unknown): void {
    if (this.coordinatorDown) return;
    this.coordinatorDown = true;
    this.host.logger.error(coordinatorUnavailable(error), stackOf(error));
  }

  /** The coordinator answered (its recovery is logged once). */
  coordinatorAnswered(): void {
    if (!this.coordinatorDown) return;
    this.coordinatorDown = false;
    this.host.logger.log(coordinatorRecovered());
  }

  private claimWon(task: TaskState, due: number, receipt: unknown): void {
    if (!this.answered(task)) {
      // The won claim took the running mark: a removed task gives it back.
      if (task.removed) this.releaseMark(task);
      return;
    }
    this.coordinatorAnswered();
    this.host.runScheduled(task, due, receipt);
    this.host.maybeFinish(task);
  }

  /** Another replica runs it: it stays counted. */
  private claimLost(task: TaskState, due: number, asked: boolean): void {
    if (!this.answered(task)) return;
    // A local "another member owns it" says nothing about the backend.
    if (asked) this.coordinatorAnswered();
    this.host.skip(task, due, skipReasons.claimed);
    this.host.maybeFinish(task);
  }

  /** A run of the task is in flight on another replica: the task's overlap policy holds or skips it. */
  private claimBusy(
    task: TaskState,
    due: number,
    periodMs: number | null,
    receipt: unknown,
  ): void {
    if (this.host.phase !== 'running') {
      this.answered(task);
      return;
    }
    this.coordinatorAnswered();
    this.held.hold(task, due, periodMs, receipt);
  }

  /** Busy elsewhere and not held: skipped as overlap skips, not counted. */
  private skipBusy(task: TaskState, due: number, receipt: unknown): void {
    if (!this.answered(task)) return;
    this.host.skip(task, due, skipReasons.runningElsewhere);
    this.host.budget.refund(task, receipt);
    this.host.maybeFinish(task);
  }

  /** Runs nowhere: it does not count. */
  private claimFailed(
    task: TaskState,
    due: number,
    receipt: unknown,
    error: unknown,
  ): void {
    if (!this.answered(task)) return;
    this.coordinatorFailed(error);
    task.failures++;
    const otel = this.host.otel;
    if (otel !== null) otel.notRun(task.name, task.group.name, 'failed');
    const events = this.host.events;
    if (events.observed) events.emit('failed', task, due, error);
    this.host.budget.refund(task, receipt);
    this.host.maybeFinish(task);
  }

  /**
   * Books an answer; `false` once the scheduler has stopped running or the
   * task was removed (the answer is then ignored: nothing of a removed task
   * starts, and its removal may be waiting for this answer).
   */
  private answered(task: TaskState): boolean {
    task.claim!.pending--;
    if (task.removed) {
      this.host.maybeFinish(task);
      return false;
    }
    return this.host.phase === 'running';
  }
}
