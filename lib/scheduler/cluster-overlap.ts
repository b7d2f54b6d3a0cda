import { skipReasons } from '../aioclock.messages';
import type { ClaimAnswer } from '../coordination/coordinator.interface';
import { CLUSTER_HELD_MAX, CLUSTER_HELD_RETRY_MS } from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';
import type { ClaimState, HeldDue, TaskState } from './task-state';

type ClusterOverlapHost = Pick<
  SchedulerInternals,
  'coordinator' | 'clock' | 'phase' | 'budget' | 'skip' | 'maybeFinish'
>;

/** How `CoordinatorClaims` books a held due time's claim once it is answered. */
export interface HeldClaimAnswers {
  won(task: TaskState, due: number, receipt: unknown): void;
  lost(task: TaskState, due: number, asked: boolean): void;
  busy(task: TaskState, due: number, receipt: unknown): void;
  failed(task: TaskState, due: number, receipt: unknown, error: unknown): void;
  /** A won claim that will not run: the task's mark goes if nothing else holds it. */
  release(task: TaskState): void;
}

/**
 * Cluster-wide `overlap` for a due time whose claim answered 'busy' (a run of
 * the task is in flight on another replica, typically the previous owner's):
 * `skip` skips it; `bufferOne` holds one, `bufferAll` up to
 * `CLUSTER_HELD_MAX`, `cancelOther` the newest and asks the other replica to
 * abort its run. A held due time is claimed again (by its nominal time, so
 * the fence is unchanged) when the other replica announces the end of its
 * run, or every `CLUSTER_HELD_RETRY_MS`; it starts once the claim is won.
 * While due times are held, newer ones queue behind them without a claim,
 * so they start in order. A held due time counts as a pending claim
 * (`maxLoopCount`, `finished`); one dropped gives its count back.
 */
export class ClusterOverlap {
  /**
   * @param host the scheduler
   * @param answers books the answers as for any claim (each takes one pending claim off)
   */
  constructor(
    private readonly host: ClusterOverlapHost,
    private readonly answers: HeldClaimAnswers,
  ) {}

  /** True while the task has due times held. */
  holding(task: TaskState): boolean {
    const held = task.claim!.held;
    return held !== null && held.length > 0;
  }

  /**
   * A due time that found the task busy on another replica, or that came
   * while others are held: held, or skipped per the task's policy. The
   * caller has taken one pending claim for it, which this keeps or gives back.
   */
  hold(
    task: TaskState,
    due: number,
    periodMs: number | null,
    receipt: unknown,
  ): void {
    const claim = task.claim!;
    const held = (claim.held ??= []);
    switch (task.overlap) {
      case 'bufferOne':
        if (held.length > 0) {
          this.drop(task, { due, periodMs, receipt }, skipReasons.buffered);
          return;
        }
        break;
      case 'bufferAll':
        if (held.length >= CLUSTER_HELD_MAX) {
          this.drop(task, { due, periodMs, receipt }, skipReasons.heldFull);
          return;
        }
        break;
      case 'cancelOther':
        for (const old of held.splice(0))
          this.drop(task, old, skipReasons.replaced);
        this.host.coordinator!.requestCancel?.(task.name);
        break;
      default:
        this.answers.busy(task, due, receipt);
        return;
    }
    held.push({ due, periodMs, receipt });
    this.arm(task, claim, CLUSTER_HELD_RETRY_MS);
  }

  /** Another replica's run of the task ended: claim the oldest held due time now. */
  runEndedElsewhere(task: TaskState): void {
    const claim = task.claim;
    if (claim === null || !this.holding(task)) return;
    this.arm(task, claim, 0);
  }

  /** Shutdown: held due times are dropped (their counts given back), no timer is left. */
  stop(tasks: Iterable<TaskState>): void {
    const { clock, budget } = this.host;
    for (const task of tasks) {
      const claim = task.claim;
      if (claim === null || claim.held === null) continue;
      if (claim.retry !== null) clock.clearTimer(claim.retry);
      claim.retry = null;
      for (const old of claim.held.splice(0)) {
        claim.pending--;
        budget.refund(task, old.receipt);
      }
    }
  }

  /** Dropped: skipped with `reason`, its count given back. */
  private drop(task: TaskState, held: HeldDue, reason: string): void {
    task.claim!.pending--;
    this.host.skip(task, held.due, reason);
    this.host.budget.refund(task, held.receipt);
    this.host.maybeFinish(task);
  }

  private arm(task: TaskState, claim: ClaimState, ms: number): void {
    const clock = this.host.clock;
    if (claim.retry !== null) {
      if (ms > 0) return;
      clock.clearTimer(claim.retry);
    }
    claim.retry = clock.setTimer(() => {
      claim.retry = null;
      this.claimOldest(task, claim);
    }, ms);
  }

  private claimOldest(task: TaskState, claim: ClaimState): void {
    const held = claim.held;
    if (this.host.phase !== 'running' || held === null || held.length === 0)
      return;
    if (claim.claiming) return; // its answer re-arms
    if (task.isPaused) {
      for (const old of held.splice(0))
        this.drop(task, old, skipReasons.paused);
      return;
    }
    const head = held[0];
    claim.claiming = true;
    let answer: Promise<ClaimAnswer>;
    try {
      answer = this.host.coordinator!.claim(task.name, head.due, head.periodMs);
    } catch (error) {
      answer = Promise.reject(error);
    }
    void answer.then(
      (won) => this.answered(task, claim, head, won, null),
      (error: unknown) => this.answered(task, claim, head, null, error),
    );
  }

  private answered(
    task: TaskState,
    claim: ClaimState,
    head: HeldDue,
    answer: ClaimAnswer | null,
    error: unknown,
  ): void {
    claim.claiming = false;
    const held = claim.held;
    // Dropped meanwhile (replaced, paused, shutdown): nothing to book.
    if (held === null || held[0] !== head) {
      if (answer === true) this.answers.release(task);
      if (held !== null && held.length > 0)
        this.arm(task, claim, CLUSTER_HELD_RETRY_MS);
      return;
    }
    if (answer === 'busy') {
      this.arm(task, claim, CLUSTER_HELD_RETRY_MS);
      return;
    }
    held.shift();
    if (answer === null)
      this.answers.failed(task, head.due, head.receipt, error);
    else if (answer === true) this.answers.won(task, head.due, head.receipt);
    else this.answers.lost(task, head.due, answer !== 'notOwner');
    if (held.length > 0) this.arm(task, claim, 0);
  }
}
