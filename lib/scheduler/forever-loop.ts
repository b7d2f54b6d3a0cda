import { FOREVER_LEASE_TTL_MS } from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';
import type { ForeverState, TaskState } from './task-state';

type ForeverLoopHost = Pick<
  SchedulerInternals,
  | 'clock'
  | 'coordinator'
  | 'phase'
  | 'budget'
  | 'claims'
  | 'isEnabled'
  | 'takeGroupSlot'
>;

/**
 * `@Forever` tasks: back-to-back runs, each started on the next turn of the
 * event loop after the previous one ended, and — under a coordinator — the
 * lease that lets one replica at a time run them, renewed every third of its
 * length and asked for again every half by the replicas without it.
 */
export class ForeverLoop {
  /** @param host the scheduler */
  constructor(private readonly host: ForeverLoopHost) {}

  /** Puts a forever task on its loop at start: at once, or once its lease is held. */
  start(task: TaskState): void {
    if (this.host.coordinator !== undefined) this.askLease(task);
    else this.arm(task);
  }

  /** Starts the next run on the next turn of the event loop, if it may run. */
  arm(task: TaskState): void {
    const forever = task.forever;
    const host = this.host;
    if (
      forever === null ||
      forever.handle !== null ||
      host.phase !== 'running' ||
      task.exhausted ||
      task.busy ||
      task.isPaused ||
      !host.isEnabled(task) ||
      (host.coordinator !== undefined && !forever.leaseHeld)
    ) {
      return;
    }
    forever.handle = host.clock.defer(() => this.tick(task, forever));
  }

  /** Cancels the next run's deferred start, if armed. */
  stop(task: TaskState): void {
    const forever = task.forever;
    if (forever === null || forever.handle === null) return;
    this.host.clock.clearTimer(forever.handle);
    forever.handle = null;
  }

  /**
   * Shutdown: stops the loop and the lease timer. Returns the release of the
   * lease when one was asked for, else `null`.
   */
  shutDown(task: TaskState): Promise<void> | null {
    this.stop(task);
    const forever = task.forever;
    if (forever === null) return null;
    if (forever.leaseTimer !== null)
      this.host.clock.clearTimer(forever.leaseTimer);
    forever.leaseTimer = null;
    return forever.leaseAsked ? this.release(task) : null;
  }

  private tick(task: TaskState, forever: ForeverState): void {
    forever.handle = null;
    const host = this.host;
    if (host.phase !== 'running' || task.isPaused || task.exhausted) return;
    if (host.coordinator !== undefined && !forever.leaseHeld) return;
    // A requested run is going: its end re-arms the loop.
    if (task.busy) return;
    host.budget.reserve(task);
    host.takeGroupSlot(task, host.clock.timestamp(), null, undefined);
  }

  private askLease(task: TaskState): void {
    task.forever!.leaseAsked = true;
    let answer: Promise<boolean>;
    try {
      answer = this.host.coordinator!.lease(task.name, this.leaseTtl());
    } catch (error) {
      answer = Promise.reject(error);
    }
    void answer.then(
      (held) => this.leaseAnswered(task, held === true),
      (error: unknown) => this.leaseFailed(task, error),
    );
  }

  private leaseFailed(task: TaskState, error: unknown): void {
    if (this.host.phase !== 'running') return;
    this.host.claims.coordinatorFailed(error);
    this.leaseDecided(task, false);
  }

  private leaseAnswered(task: TaskState, held: boolean): void {
    const phase = this.host.phase;
    if (phase !== 'running') {
      // Answered after stop began: give back what we just got.
      if (held && phase !== 'starting') void this.release(task);
      return;
    }
    this.host.claims.coordinatorAnswered();
    this.leaseDecided(task, held);
  }

  /** Holds or loses the lease, and asks again: to renew it, or to take over. */
  private leaseDecided(task: TaskState, held: boolean): void {
    const forever = task.forever!;
    forever.leaseHeld = held;
    if (task.exhausted) return;
    forever.leaseTimer = this.host.clock.setTimer(
      () => {
        forever.leaseTimer = null;
        this.askLease(task);
      },
      // Renew well within the lease; ask again often enough to take over within it.
      held ? this.leaseTtl() / 3 : this.leaseTtl() / 2,
    );
    if (held) this.arm(task);
    else this.stop(task);
  }

  /** The coordinator's own lease length, else the default. */
  private leaseTtl(): number {
    return this.host.coordinator?.leaseTtlMs ?? FOREVER_LEASE_TTL_MS;
  }

  private async release(task: TaskState): Promise<void> {
    const forever = task.forever!;
    forever.leaseAsked = false;
    forever.leaseHeld = false;
    try {
      await this.host.coordinator!.release(task.name);
    } catch (error) {
      this.host.claims.coordinatorFailed(error);
    }
  }
}
