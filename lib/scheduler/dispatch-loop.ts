import { hostname } from 'node:os';
import { skipReasons, taskFailed } from '../aioclock.messages';
import type { Clock, TimerHandle } from '../clock/clock';
import type { Coordinator } from '../coordination/coordinator.interface';
import type {
  RunInstrumentation,
  RunTrace,
} from '../observability/run-instrumentation';
import { AfterRunLine } from './after-run-line';
import { CoordinatorClaims } from './coordinator-claims';
import { ForeverLoop } from './forever-loop';
import { GroupAdmission } from './group-admission';
import { guardedLogger } from './guarded-logger';
import { LateCatchUp } from './late-catch-up';
import { LoopBudget } from './loop-budget';
import { OverlapPolicies } from './overlap-policies';
import { RunContext, RunTimes } from './run-context';
import { prefetchNextDue } from './prefetch-next-due';
import { RunList } from './run-list';
import { RunPolicies } from './run-policies';
import { RunFailures } from './run-failures';
import { RunRecorder } from './run-recorder';
import { RunTimeouts } from './run-timeouts';
import { beginRunTrace } from './run-trace';
import { RunHistory } from './run-history';
import { PassClock } from './pass-clock';
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
import { TaskCompletion } from './task-completion';
import { TaskTimes } from './task-times';
import { TaskRemovals } from './task-removals';
import { TimerQueue } from './timer-queue';
import { WallClockJumps } from './wall-clock-jumps';

/**
 * The scheduler's hot path, on one class: timer → dispatch → fire → admit →
 * start → settle → end. Everything cold or rare (late catch-up, loop budget,
 * overlap policies, group line, claims, the forever loop, task completion)
 * is in its own file, seeing only a `Pick` of `SchedulerInternals`.
 * `Scheduler` adds setup, lifecycle and the registry's calls on top.
 * Members without `private` are internal (the helpers' view), not an API.
 */
export abstract class DispatchLoop implements SchedulerInternals {
  readonly clock: Clock;
  readonly logger: SchedulerLogger;
  readonly coordinator: Coordinator | undefined;
  /** This replica's id: the coordinator's, else `<hostname>:<pid>`. */
  readonly replicaId: string;
  /** The last runs of each task in this process. */
  readonly history: RunHistory;
  readonly events: TaskEvents;
  readonly tasks = new Map<string, TaskState>();
  /** Every task's queued due time, cursor and latest start (`TaskState`'s). */
  readonly taskTimes = new TaskTimes();
  readonly groups = new Map<string, GroupState>();
  readonly queue = new TimerQueue<TaskState>();
  readonly active = new RunList();
  inFlight = 0;
  phase: SchedulerPhase = 'idle';
  idleWaiter: (() => void) | null = null;
  /** The throw-away scheduler of `warmUp`: fired by hand, it never arms a timer. */
  warming = false;
  /** Spans and metrics per run, set at start when on; `null` costs a run one check. */
  otel: RunInstrumentation | null = null;

  readonly budget: LoopBudget = new LoopBudget(this);
  readonly forever: ForeverLoop = new ForeverLoop(this);
  readonly claims: CoordinatorClaims = new CoordinatorClaims(this);
  protected readonly overlap = new OverlapPolicies(this);
  private readonly groupSlots = new GroupAdmission(this);
  private readonly late = new LateCatchUp(this);
  readonly runPolicies: RunPolicies = new RunPolicies(this);
  private readonly recorder = new RunRecorder(this);
  private readonly timeouts = new RunTimeouts(this);
  private readonly failures = new RunFailures(this, this.recorder);
  private readonly afterRuns = new AfterRunLine(
    this,
    this.groupSlots,
    this.overlap,
  );
  /** Wall-clock steps noticed on wake-ups. */
  protected readonly jumps = new WallClockJumps(this);
  /** `removeTask`: what a removed task left behind, and who waits for its last run. */
  protected readonly removals: TaskRemovals = new TaskRemovals(this);
  private readonly completion = new TaskCompletion(this.removals);

  private timer: TimerHandle | null = null;
  private armedDue = Infinity;
  protected dispatching = false;
  /** The clock reading the current dispatch pass's runs share. */
  private readonly passClock = new PassClock(this);
  /** The times of the last run started, for the next one with the same. */
  private times = new RunTimes(NaN, NaN, '');
  private readonly onTimerBound = (): void => this.onTimer();

  /** @param options clock, logger, coordinator */
  constructor(
    options: Pick<SchedulerOptions, 'clock' | 'logger' | 'coordinator'>,
  ) {
    this.clock = options.clock;
    this.logger = guardedLogger(options.logger);
    this.coordinator = options.coordinator;
    this.replicaId =
      options.coordinator?.replicaId ?? `${hostname()}:${process.pid}`;
    this.history = new RunHistory(
      this.replicaId,
      (name) => this.tasks.get(name),
      // Slabs made ahead only for a running scheduler (not the warm-up's).
      (callback) =>
        this.phase === 'running' && !this.warming
          ? this.clock.defer(callback)
          : null,
      (handle) => this.clock.clearTimer(handle as TimerHandle),
      () => (this.queue.peekDue() ?? Infinity) - this.clock.timestamp(),
    );
    this.events = new TaskEvents(this.clock);
  }

  /** Registers a task (see `Scheduler.addTask`). */
  abstract addTask(def: TaskDefinition): void;

  /** Runs a startup or shutdown task now (see `Scheduler.runLifecycle`). */
  abstract runLifecycle(task: TaskState): Promise<unknown>;

  /** The task, its group and the scheduler all allow it to fire (see `Scheduler`). */
  abstract isEnabled(task: TaskState): boolean;

  /** Shutdown: no timer, an empty queue. */
  stopFiring(): void {
    this.disarm();
    this.queue.clear();
    this.history.stopGrowing();
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

  protected exhaust(task: TaskState): void {
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
      true,
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
    // Read once: a slow run must not make the later tasks of this wake-up look late.
    const now = this.clock.timestamp();
    this.jumps.check(now);
    this.dispatch(now);
  }

  /** Fires everything due at or before `now`, then re-arms. */
  dispatch(now: number): void {
    this.dispatching = true;
    this.passClock.begin(now);
    this.history.beginPass();
    try {
      // A timer that woke early (Node's can, by a millisecond) finds nothing due
      // and re-arms below. Each task is dequeued when its turn comes (`TimerQueue.take`):
      // one that an earlier run of this pass removed or rescheduled is passed over.
      for (
        let bucket = this.queue.take(now);
        bucket !== null;
        bucket = this.queue.take(now)
      ) {
        const { due, size } = bucket;
        for (let i = 0; i < size; i++) {
          const task = this.queue.dequeue(bucket, i);
          if (task === null) continue;
          // A run may have stopped the scheduler (which cleared the queue): fire no more.
          if (this.phase !== 'running') return;
          try {
            this.fireDue(task, due, now);
          } catch (error) {
            // Only a trigger bug can land here; never let it reach the timer.
            this.logger.error(taskFailed(task.name, error), stackOf(error));
          }
        }
        prefetchNextDue(bucket);
        this.queue.release(bucket);
      }
    } finally {
      this.dispatching = false;
      this.history.endPass();
      this.arm();
    }
  }

  /**
   * A due time has come: catch up if late, count the run (`maxLoopCount`),
   * queue the next due time unless this was the last run (a due time that
   * will never run is neither queued nor reported), then run it or skip it.
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
    if (!paused) {
      if (task.special) this.budget.reserve(task);
    } else if (this.budget.giveBack(task, receipt)) next = trigger.next(fire);
    if (next === null) this.exhaust(task);
    else if (!task.exhausted) this.enqueue(task, next);

    if (paused) this.skip(task, fire, skipReasons.paused);
    else if (!task.special) this.runScheduled(task, fire, receipt);
    else {
      const period = next === null ? null : next - fire;
      if (task.policies !== null && task.policies.jitterMs > 0)
        this.runPolicies.startJittered(task, fire, period, receipt);
      else if (task.claim !== null)
        this.claims.claim(task, fire, period, receipt);
      else this.runScheduled(task, fire, receipt);
    }
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
  runRequested(task: TaskState, due: number, waiter: RunWaiter): void {
    if (!task.busy || task.overlap === 'allow')
      this.takeGroupSlot(task, due, waiter, undefined);
    else this.overlap.whenBusy(task, due, waiter, undefined);
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

  /**
   * The one wrapper around every run. Nothing thrown here escapes. A run that
   * returns no promise (the usual case) is over when this returns: it needs
   * no `Run` object, only its context. A `Run` is made for a run that must be
   * reachable while it goes on: one that returned a promise (timeout,
   * shutdown abort) or one a newer run may cancel (`cancelOther`).
   */
  startRun(task: TaskState, due: number, waiter: RunWaiter | null): void {
    const now = this.dispatching
      ? this.passClock.runStart()
      : this.clock.timestamp();
    const group = task.group;
    task.running++;
    group.active++;
    task.runs++;
    task.lastRunAt = now;
    this.inFlight++;
    let times = this.times;
    if (waiter !== null && waiter.attempt !== undefined)
      times = new RunTimes(
        due,
        now,
        this.replicaId,
        waiter.attempt,
        waiter.catchUp === true,
      );
    else if (times.scheduledMs !== due || times.startedMs !== now)
      times = this.times = new RunTimes(due, now, this.replicaId);
    const context = new RunContext(task, times);
    // cancelOther aborts the run in flight, even from inside its synchronous part.
    const cancellable =
      task.special && task.overlap === 'cancelOther'
        ? (task.current = new Run(task, context, waiter, due))
        : null;
    if (this.events.observed)
      this.events.emit('started', task, due, undefined, undefined, context);
    let result: unknown;
    let thenable: boolean;
    let trace: RunTrace | null = null;
    try {
      const target = task.target;
      if (this.otel !== null) {
        trace = beginRunTrace(this.otel, task, due, now, waiter, context);
        result = trace.run(() => task.def.invoke(context));
      } else if (target !== null)
        // The explorer's `invoke`, without reaching the definition: a cache miss fewer.
        result = (
          Reflect.get(target, task.methodKey) as (ctx: RunContext) => unknown
        ).call(target, context);
      else result = task.def.invoke(context);
      // Inside the try: a returned value whose `then` getter throws is a failed run.
      thenable = isThenable(result);
    } catch (error) {
      this.leave(task, cancellable);
      this.failures.report(
        task,
        due,
        waiter,
        cancellable?.cancelled,
        error,
        now,
        now,
        trace,
      );
      return;
    }
    if (!thenable) {
      this.leave(task, cancellable);
      if (trace !== null)
        trace.settle(false, result, false, this.clock.timestamp());
      this.reportSuccess(task, due, waiter, result, now, now);
      return;
    }
    const run = cancellable ?? new Run(task, context, waiter, due);
    run.startedMs = now;
    run.trace = trace;
    this.active.add(run);
    const timeout = task.timeout;
    if (timeout !== undefined && timeout > 0) this.timeouts.arm(run, timeout);
    void this.settle(run, result as PromiseLike<unknown>);
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
      if (!this.endRun(run)) return;
      if (run.trace !== null)
        run.trace.settle(false, value, false, this.clock.timestamp());
      this.reportSuccess(
        run.task,
        run.due,
        run.waiter,
        value,
        run.startedMs,
        this.clock.timestamp(),
      );
    } catch (error) {
      // Only a scheduler bug can land here; report it, never as a rejection.
      this.reportError(error);
    }
  }

  /** Ends a run that returned a promise as failed with `error` (ignored once it is over). */
  failRun(run: Run, error: unknown): void {
    if (!this.endRun(run)) return;
    this.failures.report(
      run.task,
      run.due,
      run.waiter,
      run.cancelled,
      error,
      run.startedMs,
      this.clock.timestamp(),
      run.trace,
    );
  }

  /** The end of a run that returned a promise; `false` if it had already ended. */
  private endRun(run: Run): boolean {
    if (run.done) return false;
    if (run.timer !== null) {
      this.clock.clearTimer(run.timer);
      run.timer = null;
    }
    this.active.delete(run);
    this.leave(run.task, run);
    return true;
  }

  /** A run is over: its slots are free. `run`: its `Run`, if it had one. */
  private leave(task: TaskState, run: Run | null): void {
    task.running--;
    task.group.active--;
    this.inFlight--;
    if (task.special && task.claim !== null) this.claims.releaseMark(task);
    if (run === null) return;
    run.done = true;
    if (task.current === run) task.current = null;
  }

  private reportSuccess(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    value: unknown,
    startedMs: number,
    finishedMs: number,
  ): void {
    this.recorder.succeeded(task, due, waiter, startedMs, finishedMs);
    if (task.special && task.policies !== null)
      this.runPolicies.succeeded(task);
    try {
      // The waiter first: nothing reported after it can leave it hanging.
      if (waiter !== null) waiter.resolve(value);
      if (this.events.observed)
        this.events.emit('succeeded', task, due, undefined, undefined, waiter);
    } catch (error) {
      // An observer threw: the schedule must go on regardless.
      this.reportError(error);
    }
    this.afterRun(task);
  }

  /** A run ended: bookkeeping, or (something waits behind it) the after-run line. */
  afterRun(task: TaskState): void {
    if (
      !this.afterRuns.draining &&
      task.group.waiting.length === 0 &&
      (!task.special ||
        ((task.buffer === null || task.buffer.length === 0) &&
          task.forever === null))
    ) {
      // Nothing waits behind this run (the usual case): only the bookkeeping.
      this.maybeFinish(task);
      if (this.inFlight === 0 && this.idleWaiter !== null) this.idleWaiter();
    } else this.afterRuns.push(task);
  }

  /** Marks the task finished when it is exhausted and nothing of it is left. */
  maybeFinish(task: TaskState): void {
    if (task.exhausted && !task.finished) this.completion.finishIfDrained(task);
  }

  /** Counts and reports a due time that does not run. */
  skip(task: TaskState, due: number, reason: string): void {
    this.recorder.skipped(task, due, reason);
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
