import { runAbortedOnShutdown } from '../aioclock.messages';
import type { TimerHandle } from '../clock/clock';
import { AioClockError } from '../errors/aioclock.error';
import { SchedulerStoppingError } from '../errors/scheduler-stopping.error';
import { ABORT_SETTLE_MS } from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';
import type { RunRequest } from './task-state';

type SchedulerShutdownHost = Pick<
  SchedulerInternals,
  | 'clock'
  | 'tasks'
  | 'groups'
  | 'active'
  | 'inFlight'
  | 'phase'
  | 'idleWaiter'
  | 'forever'
  | 'isEnabled'
  | 'failRun'
  | 'runLifecycle'
> & {
  /** Disarms the timer and the pending warm-up and empties the timer queue. */
  stopFiring(): void;
};

/** The one deadline of a `stop`, shared by all its phases (epoch ms). */
interface ShutdownDeadline {
  readonly graceMs: number;
  /** Runs still going then are aborted. */
  readonly abortAt: number;
  /** Runs still going then are given up on; leases not released by then are left to expire. */
  readonly giveUpAt: number;
}

/** Microtask hops a zero-length wait gives runs to settle (an aborted `await` chain needs a few). */
const ZERO_WAIT_HOPS = 16;

/**
 * `Scheduler.stop`: stop firing, drop what waits, drain the runs in flight,
 * run the `shutdown` tasks, release `@Forever` leases — all within one
 * deadline. Built once per scheduler; used once.
 */
export class SchedulerShutdown {
  private stopping: Promise<void> | null = null;

  /** @param host the scheduler */
  constructor(private readonly host: SchedulerShutdownHost) {}

  /** See `Scheduler.stop`. Idempotent: later calls return the same promise. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.shutDown(graceMs > 0 ? graceMs : 0);
    return this.stopping;
  }

  private async shutDown(graceMs: number): Promise<void> {
    const host = this.host;
    const started = host.phase !== 'idle';
    host.phase = 'stopping';
    host.stopFiring();
    const now = host.clock.timestamp();
    const deadline: ShutdownDeadline = {
      graceMs,
      abortAt: now + graceMs,
      giveUpAt: now + graceMs + Math.min(graceMs, ABORT_SETTLE_MS),
    };
    const releases: Promise<void>[] = [];
    for (const task of host.tasks.values()) {
      const release = host.forever.shutDown(task);
      if (release !== null) releases.push(release);
      if (task.buffer !== null) this.dropRequests(task.buffer.drain());
      task.waiting = 0;
      task.waitingRequest = null;
    }
    for (const group of host.groups.values())
      this.dropRequests(group.waiting.drain());

    await this.drain(deadline);
    if (started) {
      const shutdowns: Promise<unknown>[] = [];
      for (const task of host.tasks.values()) {
        if (task.kind === 'shutdown' && host.isEnabled(task))
          shutdowns.push(host.runLifecycle(task));
      }
      // Handle rejections now, not after the drain's timers.
      const over = Promise.allSettled(shutdowns);
      await this.drain(deadline);
      await over;
    }
    if (releases.length > 0)
      await this.bounded(
        Promise.allSettled(releases),
        deadline.giveUpAt - host.clock.timestamp(),
      );
    host.phase = 'stopped';
  }

  /** Waits for the runs in flight until the deadline; then aborts them and waits until the give-up time at most. */
  private async drain(deadline: ShutdownDeadline): Promise<void> {
    const host = this.host;
    if (host.inFlight === 0) return;
    const idle = new Promise<void>((resolve) => (host.idleWaiter = resolve));
    const settled = await this.bounded(
      idle,
      deadline.abortAt - host.clock.timestamp(),
    );
    if (!settled) {
      for (const run of host.active.toArray()) {
        run.cancelled = true;
        run.context.abort(
          new AioClockError(
            runAbortedOnShutdown(run.task.name, deadline.graceMs),
          ),
        );
      }
      const stopped = await this.bounded(
        idle,
        deadline.giveUpAt - host.clock.timestamp(),
      );
      // Give up on runs that ignore their signal: they count as failed, free
      // their slot, and none of their timers outlives the scheduler.
      if (!stopped)
        for (const run of host.active.toArray())
          host.failRun(run, run.context.signal.reason);
    }
    host.idleWaiter = null;
  }

  /**
   * Resolves `true` when `promise` settles within `ms` (by the clock), else
   * `false`. With no time to give, it only lets pending promise chains run,
   * so `stop(0)` needs no timer (and no `VirtualClock.advance`). A clock
   * nobody drives (a `VirtualClock` left alone, `Clock.onIdle`) counts as
   * the time having passed, so `app.close()` in a test cannot hang.
   */
  private bounded(promise: Promise<unknown>, ms: number): Promise<boolean> {
    if (ms <= 0) {
      let hops: Promise<unknown> = Promise.resolve();
      for (let i = 0; i < ZERO_WAIT_HOPS; i++) hops = hops.then();
      return Promise.race([promise.then(() => true), hops.then(() => false)]);
    }
    const clock = this.host.clock;
    let handle: TimerHandle | null = null;
    let idle: TimerHandle | null = null;
    const timeout = new Promise<boolean>((resolve) => {
      handle = clock.setTimer(() => resolve(false), ms);
      idle = clock.onIdle(() => resolve(false));
    });
    return Promise.race([promise.then(() => true), timeout]).finally(() => {
      if (handle !== null) clock.clearTimer(handle);
      if (idle !== null) clock.clearTimer(idle);
    });
  }

  /** Requests still waiting are dropped; a `runTask` waiting on one rejects. */
  private dropRequests(requests: RunRequest[]): void {
    for (const request of requests) {
      if (request.waiter !== null)
        request.waiter.reject(new SchedulerStoppingError(request.task.name));
    }
  }
}
