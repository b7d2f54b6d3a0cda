import { hostname } from 'node:os';
import type { RunOutcome } from '../interfaces/run-record.interface';
import { RunHistory } from './run-history';
import { skipReasons, taskFailed } from '../aioclock.messages';
import type { Clock, TimerHandle } from '../clock/clock';
import type { Coordinator } from '../coordination/coordinator.interface';
import { TaskTimeoutError } from '../errors/task-timeout.error';
import type { Trigger } from '../triggers/trigger';
import { CoordinatorClaims } from './coordinator-claims';
import { DispatchWarmUp, type WarmUpTarget } from './dispatch-warm-up';
import { Fifo } from './fifo';
import { ForeverLoop } from './forever-loop';
import { GroupAdmission } from './group-admission';
import { LateCatchUp } from './late-catch-up';
import { LoopBudget } from './loop-budget';
import { OverlapPolicies } from './overlap-policies';
import { RunContext } from './run-context';
import { RunList } from './run-list';
import { isThenable, stackOf } from './run-outcome';
import type { SchedulerInternals, SchedulerPhase } from './scheduler-internals';
import type { SchedulerOptions } from './scheduler';
import type { SchedulerLogger, TaskDefinition } from './task-definition';
import { TaskEvents } from './task-events';
import {
  type GroupState,
  Run,
  type RunWaiter,
  type TaskState,
} from './task-state';
import { NOT_QUEUED, TimerQueue } from './timer-queue';

/**
 * The scheduler's hot path, on one class: timer → dispatch → fire → admit →
 * start → settle → end. Everything cold or rare (late catch-up, loop budget,
 * overlap policies, group line, claims, the forever loop, shutdown, warm-up)
 * is in its own file, built here once and seeing only a `Pick` of
 * `SchedulerInternals`. `Scheduler` adds setup, lifecycle and the registry's
 * calls on top. Members without `private` are internal (the helpers' view),
 * not an API.
 */
export abstract class DispatchLoop implements SchedulerInternals, WarmUpTarget {
  readonly clock: Clock;
  readonly logger: SchedulerLogger;
  readonly coordinator: Coordinator | undefined;
  /** This replica's id: the coordinator's, else `<hostname>:<pid>`. */
  readonly replicaId: string;
  /** The last runs of each task in this process. */
  readonly history: RunHistory;
  readonly events: TaskEvents;
  readonly tasks = new Map<string, TaskState>();
  readonly groups = new Map<string, GroupState>();
  readonly queue = new TimerQueue<TaskState>();
  readonly active = new RunList();
  phase: SchedulerPhase = 'idle';
  idleWaiter: (() => void) | null = null;
  /** The throw-away scheduler of `warmUp`: fired by hand, it never arms a timer. */
  warming = false;

  readonly budget: LoopBudget = new LoopBudget(this);
  readonly forever: ForeverLoop = new ForeverLoop(this);
  readonly claims: CoordinatorClaims = new CoordinatorClaims(this);
  protected readonly warmUpper: DispatchWarmUp;
  private readonly overlap = new OverlapPolicies(this);
  private readonly groupSlots = new GroupAdmission(this);
  private readonly late = new LateCatchUp(this);

  private readonly enabled: boolean;
  private timer: TimerHandle | null = null;
  private armedDue = Infinity;
  private dispatching = false;
  private readonly onTimerBound = (): void => this.onTimer();
  /** Tasks whose run ended, for `afterRun` to work off. */
  private readonly ended = new Fifo<TaskState>();
  private drainingEnded = false;

  /** @param options clock, logger, `enabled`, coordinator, warm-up copies */
  constructor(options: Omit<SchedulerOptions, 'timeZone'>) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.enabled = options.enabled !== false;
    this.coordinator = options.coordinator;
    this.replicaId =
      options.coordinator?.replicaId ?? `${hostname()}:${process.pid}`;
    this.history = new RunHistory(this.replicaId);
    this.events = new TaskEvents(this.clock);
    this.warmUpper = new DispatchWarmUp(this, options.noopTask);
  }

  /** Registers a task (see `Scheduler.addTask`). */
  abstract addTask(def: TaskDefinition): void;

  /** A scheduler sharing this one's clock, logger and zone (for the warm-up). */
  abstract throwAwayScheduler(): WarmUpTarget;

  /** The task, its group and the scheduler all allow it to fire. */
  isEnabled(task: TaskState): boolean {
    return this.enabled && task.group.enabled && task.def.enabled !== false;
  }

  /** Shutdown: no timer, no pending warm-up, an empty queue. */
  stopFiring(): void {
    this.disarm();
    this.warmUpper.cancel();
    this.queue.clear();
  }

  // ---------------------------------------------------------- the queue

  /** Puts every task on its schedule (at start); returns how many are timed. */
  scheduleAll(now: number): number {
    this.dispatching = true;
    let timed = 0;
    try {
      for (const task of this.tasks.values()) {
        this.schedule(task, now);
        if (task.kind === 'timed') timed++;
      }
    } finally {
      this.dispatching = false;
    }
    return timed;
  }

  /** Puts a task on its schedule at start (or when added later). */
  protected schedule(task: TaskState, now: number): void {
    if (!this.isEnabled(task) || task.exhausted) return;
    if (task.kind === 'forever') {
      this.forever.start(task);
    } else if (task.kind === 'timed') {
      const due = task.trigger.first(now);
      if (due === null) {
        this.exhaust(task);
        this.maybeFinish(task);
      } else {
        this.enqueue(task, due);
      }
    }
  }

  /** Queues a task's next due time (and re-arms the timer if it is earlier). */
  enqueue(task: TaskState, due: number): void {
    this.queue.add(task, due);
    if (this.events.observed) this.events.emit('scheduled', task, due);
    if (!this.dispatching && due < this.armedDue) this.arm();
  }

  /** Takes a task out of the timer queue. */
  unqueue(task: TaskState): void {
    this.queue.remove(task);
  }

  private exhaust(task: TaskState): void {
    task.exhausted = true;
    this.queue.remove(task);
  }

  /** Keeps ONE clock timer armed, for the earliest due time; re-arms only when that changes. */
  protected arm(): void {
    if (this.phase !== 'running' || this.warming) return;
    const due = this.queue.peekDue();
    if (due === null) {
      this.disarm();
      return;
    }
    if (this.timer !== null && due === this.armedDue) return;
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.armedDue = due;
    this.timer = this.clock.setTimer(
      this.onTimerBound,
      due - this.clock.timestamp(),
    );
  }

  private disarm(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.armedDue = Infinity;
  }

  private onTimer(): void {
    this.timer = null;
    this.armedDue = Infinity;
    if (this.phase !== 'running') return;
    // Read once: runs that take time while we dispatch must not make later
    // tasks of the same wake-up look late.
    this.dispatch(this.clock.timestamp());
  }

  /** Fires everything due at or before `now`, then re-arms. */
  dispatch(now: number): void {
    this.dispatching = true;
    try {
      // A timer that woke early (Node can, by a millisecond) finds nothing due
      // here and is simply re-armed below.
      for (
        let bucket = this.queue.takeDue(now);
        bucket !== null;
        bucket = this.queue.takeDue(now)
      ) {
        const { due, items } = bucket;
        for (let i = 0; i < items.length; i++) {
          // A run may have stopped the scheduler: fire nothing more.
          if (this.phase !== 'running') return;
          try {
            this.fireDue(items[i], due, now);
          } catch (error) {
            // Only a trigger bug can land here; never let it reach the timer.
            this.logger.error(taskFailed(items[i].name, error), stackOf(error));
          }
        }
        this.prefetch(items);
      }
    } finally {
      this.dispatching = false;
      this.arm();
    }
  }

  /**
   * Once the runs of a due time have started: asks each trigger for the due
   * time after the one it just queued, so that a trigger that computes (a
   * cron expression: tens of µs, more while that code is still cold) does it
   * now and has it memoised when the next due time comes, instead of making
   * every run of that due time wait for it. Triggers are shared between tasks
   * with the same parameters, so this is one call per trigger in a row of
   * tasks; triggers that count their runs (`receipt`) are never asked ahead.
   */
  private prefetch(tasks: readonly TaskState[]): void {
    let last: Trigger | null = null;
    for (let i = 0; i < tasks.length; i++) {
      const { trigger, queuedDue } = tasks[i];
      if (trigger === last || queuedDue === NOT_QUEUED) continue;
      last = trigger;
      if (trigger.receipt !== undefined) continue;
      try {
        trigger.next(queuedDue);
      } catch {
        // Only a trigger bug can land here; its own call reports it.
      }
    }
  }

  /**
   * A task's due time has come: catch up if late, count the run against
   * `maxLoopCount`, queue the next due time unless that was the last run
   * (so a due time that will never run is neither queued nor reported as
   * scheduled), then run it (or skip it). The task is finished only once its
   * last run has ended.
   */
  private fireDue(task: TaskState, due: number, now: number): void {
    const trigger = task.trigger;
    let fire = due;
    let next = trigger.next(due);
    if (next !== null && next <= now) {
      fire = this.late.catchUp(task, fire, next, now);
      next = this.late.next;
    }
    task.cursor = fire;
    const receipt = trigger.receipt?.(fire);

    const paused = task.isPaused;
    if (!paused) this.budget.reserve(task);
    else if (this.budget.giveBack(task, receipt)) next = trigger.next(fire);
    if (next === null) this.exhaust(task);
    else if (!task.exhausted) this.enqueue(task, next);

    if (paused) this.skip(task, fire, skipReasons.paused);
    else if (task.claims)
      this.claims.claim(
        task,
        fire,
        next === null ? null : next - fire,
        receipt,
      );
    else this.runScheduled(task, fire, receipt);
    this.maybeFinish(task);
  }

  // ----------------------------------------------------------------- runs

  /** A scheduled run is due (counted by `reserve`): overlap policy, then group admission. */
  runScheduled(task: TaskState, due: number, receipt: unknown): void {
    if (!task.busy || task.overlap === 'allow')
      this.takeGroupSlot(task, due, null, receipt);
    else this.overlap.whenBusy(task, due, null, receipt);
  }

  /** A requested run (`runTask`): overlap policy, then group admission; `waiter` settles it. */
  protected runRequested(
    task: TaskState,
    due: number,
    waiter: RunWaiter,
  ): void {
    if (!task.busy || task.overlap === 'allow')
      this.takeGroupSlot(task, due, waiter, undefined);
    else this.overlap.whenBusy(task, due, waiter, undefined);
  }

  /** Runs a startup or shutdown task now; resolves when it is over. */
  runLifecycle(task: TaskState): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.takeGroupSlot(
        task,
        this.clock.timestamp(),
        { resolve, reject },
        undefined,
      ),
    );
  }

  /** Starts the run now if its group has a free slot, else puts it in the group's line. */
  takeGroupSlot(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    receipt: unknown,
  ): void {
    const group = task.group;
    if (group.active < group.concurrency) this.startRun(task, due, waiter);
    else this.groupSlots.wait(task, due, waiter, receipt);
  }

  /** The one wrapper around every run. Nothing thrown here escapes. */
  startRun(task: TaskState, due: number, waiter: RunWaiter | null): void {
    const now = this.clock.timestamp();
    const group = task.group;
    task.running++;
    group.active++;
    task.runs++;
    task.lastRunAt = now;
    const run = new Run(
      task,
      new RunContext(task.name, group.name, due, now, this.replicaId),
      waiter,
      due,
    );
    run.startedMs = now;
    if (task.overlap === 'cancelOther') task.current = run;
    this.active.add(run);
    if (this.events.observed) this.events.emit('started', task, due);
    let result: unknown;
    try {
      result = task.def.invoke(run.context);
    } catch (error) {
      this.failRun(run, error);
      return;
    }
    if (!isThenable(result)) {
      this.succeedRun(run, result);
      return;
    }
    const timeout = task.timeout;
    if (timeout !== undefined && timeout > 0) {
      run.timeoutMs = timeout;
      run.timer = this.clock.setTimer(() => this.onTimeout(run), timeout);
    }
    void this.settle(run, result);
  }

  /** Ends the run when its promise settles. Never rejects: `startRun` does not await it. */
  private async settle(run: Run, result: PromiseLike<unknown>): Promise<void> {
    try {
      let value: unknown;
      try {
        value = await result;
      } catch (error) {
        this.failRun(run, error);
        return;
      }
      this.succeedRun(run, value);
    } catch (error) {
      // Only a scheduler bug can land here; report it, never as a rejection.
      this.reportError(error);
    }
  }

  private onTimeout(run: Run): void {
    run.timer = null;
    if (run.done) return;
    const error = new TaskTimeoutError(run.task.name, run.timeoutMs);
    run.context.abort(error);
    this.failRun(run, error);
  }

  /** Ends a run in flight as succeeded with `value` (ignored once it is over). */
  private succeedRun(run: Run, value: unknown): void {
    if (!this.endRun(run)) return;
    const task = run.task;
    this.recordRun(run, 'succeeded', undefined);
    try {
      if (this.events.observed) this.events.emit('succeeded', task, run.due);
      if (run.waiter !== null) run.waiter.resolve(value);
    } catch (error) {
      // An observer threw: the schedule must go on regardless.
      this.reportError(error);
    }
    this.afterRun(task);
  }

  /** Ends a run in flight as failed with `error` (ignored once it is over). */
  failRun(run: Run, error: unknown): void {
    if (!this.endRun(run)) return;
    const task = run.task;
    this.recordRun(
      run,
      run.cancelled
        ? 'cancelled'
        : error instanceof TaskTimeoutError
          ? 'timedOut'
          : 'failed',
      errorText(error),
    );
    try {
      task.failures++;
      // A run we aborted ourselves (cancelOther, shutdown) is expected to fail.
      if (run.cancelled) this.logger.warn(taskFailed(task.name, error));
      else this.logger.error(taskFailed(task.name, error), stackOf(error));
      if (this.events.observed)
        this.events.emit('failed', task, run.due, error);
      if (run.waiter !== null) run.waiter.reject(error);
    } catch (thrown) {
      // A logger or an observer threw: the schedule must go on regardless.
      this.reportError(thrown);
    }
    this.afterRun(task);
  }

  /** The bookkeeping of a run's end; `false` if it had already ended. */
  private endRun(run: Run): boolean {
    if (run.done) return false;
    run.done = true;
    if (run.timer !== null) {
      this.clock.clearTimer(run.timer);
      run.timer = null;
    }
    const task = run.task;
    task.running--;
    task.group.active--;
    this.active.delete(run);
    if (task.current === run) task.current = null;
    // The cluster may count the task as running no longer.
    if (task.claims && task.running === 0)
      this.coordinator!.runEnded?.(task.name);
    return true;
  }

  /**
   * A run ended: start what waited for its group slot, its buffered run, the
   * next forever run. Not reentrant: a run started here that ends at once
   * (a synchronous task) only queues its task for the loop below, so a long
   * line of such runs is worked off iteratively, never as deep recursion.
   */
  afterRun(task: TaskState): void {
    if (
      !this.drainingEnded &&
      task.group.waiting.length === 0 &&
      (task.buffer === null || task.buffer.length === 0) &&
      task.forever === null
    ) {
      // Nothing waits behind this run (the usual case): only the bookkeeping.
      this.maybeFinish(task);
      if (this.active.size === 0 && this.idleWaiter !== null) this.idleWaiter();
      return;
    }
    this.ended.push(task);
    if (this.drainingEnded) return;
    this.drainingEnded = true;
    try {
      for (
        let next = this.ended.shift();
        next !== undefined;
        next = this.ended.shift()
      ) {
        try {
          this.groupSlots.admitWaiting(next);
          this.overlap.startBuffered(next);
          if (next.kind === 'forever') this.forever.arm(next);
          this.maybeFinish(next);
          if (this.active.size === 0 && this.idleWaiter !== null)
            this.idleWaiter();
        } catch (error) {
          this.reportError(error);
        }
      }
    } finally {
      this.drainingEnded = false;
    }
  }

  /** Marks the task finished when it is exhausted and nothing of it is left. */
  maybeFinish(task: TaskState): void {
    if (
      task.exhausted &&
      !task.finished &&
      task.running === 0 &&
      task.waiting === 0 &&
      task.pendingClaims === 0 &&
      (task.buffer === null || task.buffer.length === 0)
    ) {
      task.finished = true;
    }
  }

  /** Counts and reports a due time that does not run. */
  skip(task: TaskState, due: number, reason: string): void {
    task.skipped++;
    // Non-owners skip every due time of the tasks others own: not history.
    if (reason !== skipReasons.claimed)
      this.recordOutcome(task, due, NaN, 'skipped', reason);
    if (this.events.observed)
      this.events.emit('skipped', task, due, undefined, reason);
  }

  /** Adds a run that ended to the task's history (here, and in the coordinator's store). */
  private recordRun(
    run: Run,
    outcome: RunOutcome,
    error: string | undefined,
  ): void {
    this.recordOutcome(run.task, run.due, run.startedMs, outcome, error);
  }

  private recordOutcome(
    task: TaskState,
    due: number,
    startedMs: number,
    outcome: RunOutcome,
    error: string | undefined,
  ): void {
    const finishedMs = Number.isNaN(startedMs) ? NaN : this.clock.timestamp();
    this.history.add(task.name, due, startedMs, finishedMs, outcome, error);
    if (task.claims)
      this.coordinator!.recordRun?.(
        task.name,
        due,
        startedMs,
        finishedMs,
        outcome,
        error,
      );
  }

  /** Reports an error that no task owns; never throws. */
  reportError(error: unknown): void {
    try {
      this.logger.error(taskFailed('(scheduler)', error), stackOf(error));
    } catch {
      // Nothing left to report to.
    }
  }
}

/** An error's message for the history; never throws, whatever was thrown. */
function errorText(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    return String(error);
  } catch {
    return 'an error that cannot be printed';
  }
}
