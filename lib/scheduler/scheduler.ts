import { Observable, Subject } from 'rxjs';
import {
  coordinatorRecovered,
  coordinatorUnavailable,
  groupNotFound,
  inTask,
  lateSkips,
  runAbortedOnShutdown,
  runCancelled,
  skipReasons,
  taskFailed,
  taskNameTaken,
} from '../aioclock.messages';
import type { Clock, TimerHandle } from '../clock/clock';
import type { Coordinator } from '../coordination/coordinator.interface';
import { AioClockError } from '../errors/aioclock.error';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import { SchedulerStoppingError } from '../errors/scheduler-stopping.error';
import { TaskBusyError } from '../errors/task-busy.error';
import { TaskNotFoundError } from '../errors/task-not-found.error';
import { TaskTimeoutError } from '../errors/task-timeout.error';
import type {
  TaskEvent,
  TaskEventType,
} from '../interfaces/task-event.interface';
import type { TaskInfo } from '../interfaces/task-info.interface';
import { createTrigger, validateTriggerSpec } from '../triggers/create-trigger';
import type { Trigger } from '../triggers/trigger';
import { Fifo } from './fifo';
import { RunContext } from './run-context';
import { RunList } from './run-list';
import {
  ABORT_SETTLE_MS,
  FOREVER_LEASE_TTL_MS,
  LATE_SKIP_EVENTS,
  WARM_UP_DELAY_MS,
  WARM_UP_LEAD_MS,
  WARM_UP_MIN_TASKS,
  WARM_UP_ROUNDS,
  WARM_UP_TASKS,
} from './scheduler.constants';
import type {
  GroupDefinition,
  SchedulerLogger,
  TaskDefinition,
} from './task-definition';
import {
  type ForeverState,
  GroupState,
  Run,
  RunRequest,
  type RunWaiter,
  type TaskKind,
  TaskState,
} from './task-state';
import { NOT_QUEUED, TimerQueue } from './timer-queue';

/** What `Scheduler` needs. */
export interface SchedulerOptions {
  /** Every reading of the time and every timer goes through it. */
  clock: Clock;
  /** Where failures and coordinator outages are reported. */
  logger: SchedulerLogger;
  /** IANA zone for `at` and `cron` triggers without their own `tz`. */
  timeZone: string;
  /** `false` lists tasks but never fires them. @default true */
  enabled?: boolean;
  /** Decides which replica runs each due run. @default none (in-process only) */
  coordinator?: Coordinator;
  /**
   * Makes a no-op copy of a task definition, of the same class, named `name`:
   * given, a scheduler with many timed tasks warms its dispatch path up with
   * such copies right after start (see `warmUp`). @default none (no warm-up)
   */
  noopTask?: (
    like: TaskDefinition,
    name: string,
    index: number,
  ) => TaskDefinition | null;
}

type SchedulerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

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

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

const stackOf = (error: unknown): string | undefined =>
  error instanceof Error ? error.stack : undefined;

function kindOf(type: string): TaskKind {
  if (type === 'forever' || type === 'startup' || type === 'shutdown')
    return type;
  return 'timed';
}

/**
 * The engine: one timer queue for all tasks, the run loop, overlap policies,
 * timeouts, group concurrency, pause/resume, and coordination across replicas.
 * No Nest in here.
 *
 * Decisions worth knowing:
 * - Due times come from the trigger, each from the previous one, never from
 *   "now": no drift. If the timer wakes after several due times of a task have
 *   passed, ONE run fires, for the latest, and the older ones are skipped
 *   (reason `late`): all are counted in `skipped`, the first
 *   `LATE_SKIP_EVENTS` get one `skipped` event each and any others share one
 *   more event whose reason gives their number. An `every` task jumps over
 *   them arithmetically, so hours of a suspended laptop cost no loop.
 * - A paused task keeps its place in the queue: its due times pass, each
 *   counted and reported as skipped (reason `paused`), and `resume` simply
 *   lets the next one run, so a fixed-rate task stays on its grid.
 *   `nextRunAt` is `null` while paused. A scheduled run held when its task is
 *   paused (buffered, or waiting for a group slot) is dropped when its turn
 *   comes, skipped the same way.
 * - At its timeout a run's `signal` is aborted with `TaskTimeoutError`, it
 *   counts as failed and it is over, by design: it frees its task's overlap
 *   slot and its group's concurrency slot at once (the next run may start),
 *   and shutdown does not wait for it. The scheduler cannot stop JavaScript:
 *   code that ignores its `signal` keeps running in the background, maybe
 *   alongside the task's next run, and what it returns or throws is ignored.
 *   Runs given up on at shutdown are in the same position.
 * - `maxLoopCount: N` counts a scheduled run from the moment its due time
 *   fires and it is not skipped: started, held (buffered, or waiting for a
 *   group slot) or, under a coordinator, claimed (by this replica or another).
 *   A counted run that then does not run — refused by the overlap policy,
 *   replaced under `cancelOther`, dropped while paused, or whose claim failed
 *   — gives its count back and the schedule goes on. So exactly N runs
 *   happen (across the fleet); the due time after the N-th is never queued,
 *   and the task is finished once the N-th run has ended. Skipped due times
 *   and `runTask` runs do not count.
 * - `runTask` runs regardless of `enabled` and pause, through the task's
 *   overlap policy and its group's concurrency; when the policy drops the run,
 *   the promise rejects with an `AioClockError` and the run counts as skipped.
 */
export class Scheduler {
  /** Every `scheduled`, `started`, `succeeded`, `failed` and `skipped` event. */
  readonly events$: Observable<TaskEvent>;

  private readonly clock: Clock;
  private readonly logger: SchedulerLogger;
  private readonly timeZone: string;
  private readonly enabled: boolean;
  private readonly coordinator: Coordinator | undefined;
  private readonly noopTask: SchedulerOptions['noopTask'];
  private readonly subject = new Subject<TaskEvent>();

  private readonly tasks = new Map<string, TaskState>();
  private readonly groups = new Map<string, GroupState>();
  private readonly queue = new TimerQueue<TaskState>();
  private readonly active = new RunList();

  private state: SchedulerState = 'idle';
  private timer: TimerHandle | null = null;
  private armedDue = Infinity;
  private dispatching = false;
  private readonly onTimerBound = (): void => this.onTimer();
  private idleWaiter: (() => void) | null = null;
  private startPromise: Promise<void> | null = null;
  private stopPromise: Promise<void> | null = null;
  private coordinatorDown = false;
  /** Tasks whose run ended, for `afterRun` to work off. */
  private readonly ended = new Fifo<TaskState>();
  private drainingEnded = false;
  /** The throw-away scheduler of `warmUp`: fired by hand, it never arms a timer. */
  private warming = false;
  /** The deferred warm-up after start, while pending. */
  private warmUpHandle: TimerHandle | null = null;

  /** @param options clock, logger, default zone, `enabled`, coordinator */
  constructor(options: SchedulerOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.timeZone = options.timeZone;
    this.enabled = options.enabled !== false;
    this.coordinator = options.coordinator;
    this.noopTask = options.noopTask;
    this.events$ = this.subject.asObservable();
  }

  // ---------------------------------------------------------------- setup

  /**
   * Declares a group (a feature module): its default timeout, concurrency cap
   * and `enabled`. A group used by a task but never declared gets defaults.
   */
  addGroup(group: GroupDefinition): void {
    this.groupState(group.name).configure(group);
  }

  /**
   * Registers a task; once started, it is scheduled at once.
   * @throws InvalidTriggerError (message prefixed with the task name) for a bad trigger
   * @throws AioClockError for a duplicate name
   */
  addTask(def: TaskDefinition): void {
    if (this.tasks.has(def.name))
      throw new AioClockError(taskNameTaken(def.name));
    let trigger: Trigger;
    try {
      validateTriggerSpec(def.trigger, this.timeZone);
      trigger = createTrigger(def.trigger, {
        timeZone: this.timeZone,
        alignToEpoch: this.coordinator?.alignsToEpoch === true,
      });
    } catch (error) {
      if (!(error instanceof InvalidTriggerError)) throw error;
      const prefix = inTask(def.name, '');
      const message = error.message.startsWith(prefix)
        ? error.message
        : inTask(def.name, error.message);
      throw new InvalidTriggerError(message, error.parameter, error.value);
    }
    const group = this.groupState(def.group);
    const task = new TaskState(def, group, trigger, kindOf(def.trigger.type));
    task.claims =
      this.coordinator !== undefined &&
      task.kind === 'timed' &&
      def.trigger.type !== 'once';
    this.tasks.set(def.name, task);
    group.tasks.push(task);
    if (this.state === 'running') this.schedule(task, this.clock.timestamp());
  }

  // ------------------------------------------------------------ lifecycle

  /**
   * Runs every `startup` task to completion (failures are logged, not fatal),
   * then schedules everything else. Calling it again returns the same promise.
   */
  start(): Promise<void> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    const startups: Promise<unknown>[] = [];
    for (const task of this.tasks.values()) {
      if (task.kind === 'startup' && this.isEnabled(task))
        startups.push(this.runLifecycle(task));
    }
    await Promise.allSettled(startups);
    if (this.state !== 'starting') return; // stopped meanwhile
    this.state = 'running';
    const now = this.clock.timestamp();
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
    this.arm();
    if (this.noopTask !== undefined && timed >= WARM_UP_MIN_TASKS)
      this.warmUpHandle = this.clock.setTimer(
        () => this.warmUpAfterStart(),
        WARM_UP_DELAY_MS,
      );
  }

  /** The warm-up `start` arms: no-op copies of the first timed tasks, if time allows. */
  private warmUpAfterStart(): void {
    this.warmUpHandle = null;
    const due = this.queue.peekDue();
    if (this.state !== 'running' || due === null) return;
    if (due - this.clock.timestamp() < WARM_UP_LEAD_MS) return;
    // Only an optimisation: nothing in it may hurt the app.
    try {
      const defs: TaskDefinition[] = [];
      for (const task of this.tasks.values()) {
        if (task.kind !== 'timed') continue;
        const index = defs.length;
        const copy = this.noopTask!(
          task.def,
          `aioclock:warm-up:${index}`,
          index,
        );
        if (copy !== null) defs.push(copy);
        if (defs.length === WARM_UP_TASKS) break;
      }
      this.warmUp(defs, WARM_UP_ROUNDS);
    } catch (error) {
      this.safeLog(error);
    }
  }

  /**
   * Stops firing, waits for running runs, then runs the `shutdown` tasks,
   * releases `@Forever` leases and leaves no timer armed — all within ONE
   * deadline, `graceMs` after the call. Each phase gets what is left of it:
   * runs still going when it passes have their `signal` aborted and get what
   * is left of one short settle period (`ABORT_SETTLE_MS`, at most `graceMs`)
   * shared by all phases, after which they are given up on (counted as
   * failed; code that ignores its signal keeps running in the background).
   * So the promise resolves at most `graceMs` + `ABORT_SETTLE_MS` after the
   * call, however many phases hang. `shutdown` tasks started after the
   * deadline are aborted at once. Runs that already timed out are over and
   * not waited for. Runs still waiting (buffered, or for a group slot) are
   * dropped; a `runTask` waiting on one rejects. Idempotent: later calls
   * return the same promise.
   * @param graceMs how long to wait, in all, before aborting what still runs
   */
  stop(graceMs: number): Promise<void> {
    this.stopPromise ??= this.doStop(graceMs > 0 ? graceMs : 0);
    return this.stopPromise;
  }

  private async doStop(graceMs: number): Promise<void> {
    const started = this.state !== 'idle';
    this.state = 'stopping';
    this.disarm();
    if (this.warmUpHandle !== null) this.clock.clearTimer(this.warmUpHandle);
    this.warmUpHandle = null;
    this.queue.clear();
    const deadline: ShutdownDeadline = {
      graceMs,
      abortAt: this.clock.timestamp() + graceMs,
      giveUpAt:
        this.clock.timestamp() + graceMs + Math.min(graceMs, ABORT_SETTLE_MS),
    };
    const releases: Promise<void>[] = [];
    for (const task of this.tasks.values()) {
      this.stopForever(task);
      const forever = task.forever;
      if (forever !== null) {
        if (forever.leaseTimer !== null)
          this.clock.clearTimer(forever.leaseTimer);
        forever.leaseTimer = null;
        if (forever.leaseAsked) releases.push(this.release(task));
      }
      if (task.buffer !== null) this.dropRequests(task.buffer.drain());
      task.waiting = 0;
      task.waitingRequest = null;
    }
    for (const group of this.groups.values())
      this.dropRequests(group.waiting.drain());

    await this.drain(deadline);
    if (started) {
      const shutdowns: Promise<unknown>[] = [];
      for (const task of this.tasks.values()) {
        if (task.kind === 'shutdown' && this.isEnabled(task))
          shutdowns.push(this.runLifecycle(task));
      }
      // Handle rejections now, not after the drain's timers.
      const over = Promise.allSettled(shutdowns);
      await this.drain(deadline);
      await over;
    }
    if (releases.length > 0)
      await this.bounded(
        Promise.allSettled(releases),
        deadline.giveUpAt - this.clock.timestamp(),
      );
    this.state = 'stopped';
  }

  /** Waits for the runs in flight until the deadline; then aborts them and waits until the give-up time at most. */
  private async drain(deadline: ShutdownDeadline): Promise<void> {
    if (this.active.size === 0) return;
    const idle = new Promise<void>((resolve) => (this.idleWaiter = resolve));
    const settled = await this.bounded(
      idle,
      deadline.abortAt - this.clock.timestamp(),
    );
    if (!settled) {
      for (const run of this.active.toArray()) {
        run.cancelled = true;
        run.context.abort(
          new AioClockError(
            runAbortedOnShutdown(run.task.name, deadline.graceMs),
          ),
        );
      }
      const stopped = await this.bounded(
        idle,
        deadline.giveUpAt - this.clock.timestamp(),
      );
      // Give up on runs that ignore their signal: they count as failed, free
      // their slot, and none of their timers outlives the scheduler.
      if (!stopped)
        for (const run of this.active.toArray())
          this.endRun(run, run.context.signal.reason, true);
    }
    this.idleWaiter = null;
  }

  /**
   * Resolves `true` when `promise` settles within `ms` (by the clock), else
   * `false`. With no time to give, it only lets pending promise chains run,
   * so `stop(0)` needs no timer (and no `VirtualClock.advance`).
   */
  private bounded(promise: Promise<unknown>, ms: number): Promise<boolean> {
    if (ms <= 0) {
      let hops: Promise<unknown> = Promise.resolve();
      for (let i = 0; i < ZERO_WAIT_HOPS; i++) hops = hops.then();
      return Promise.race([promise.then(() => true), hops.then(() => false)]);
    }
    let handle: TimerHandle | null = null;
    const timeout = new Promise<boolean>((resolve) => {
      handle = this.clock.setTimer(() => resolve(false), ms);
    });
    return Promise.race([promise.then(() => true), timeout]).finally(() => {
      if (handle !== null) this.clock.clearTimer(handle);
    });
  }

  private dropRequests(requests: RunRequest[]): void {
    for (const request of requests) {
      if (request.waiter !== null)
        request.waiter.reject(new SchedulerStoppingError(request.task.name));
    }
  }

  /**
   * Runs the dispatch path (fire, start, end, re-queue) `rounds` times over
   * `defs` on a throw-away scheduler that shares this one's clock and is
   * fired by hand: no timer, no event, nothing of this scheduler touched.
   * With thousands of tasks due together, the first due time otherwise runs
   * while V8 is still interpreting that path (several times slower than the
   * later ones); after this, V8 has seen the same classes and compiles it
   * before the first real due time. `defs` must be no-op tasks of the same
   * class as the real ones, with the same kinds of trigger.
   * @param defs no-op task definitions
   * @param rounds how many due times to fire
   */
  warmUp(defs: readonly TaskDefinition[], rounds: number): void {
    const warm = new Scheduler({
      clock: this.clock,
      logger: this.logger,
      timeZone: this.timeZone,
    });
    warm.warming = true;
    for (const def of defs) warm.addTask(def);
    warm.state = 'running';
    warm.dispatching = true;
    const start = this.clock.timestamp();
    for (const task of warm.tasks.values()) warm.schedule(task, start);
    warm.dispatching = false;
    for (let round = 0; round < rounds; round++) {
      const due = warm.queue.peekDue();
      if (due === null) break;
      warm.dispatch(due);
    }
    warm.state = 'stopped';
    warm.queue.clear();
  }

  // ------------------------------------------------------------- registry

  /**
   * Runs a task now with a fresh context (`scheduledAt` = now), through its
   * overlap policy and group concurrency; no coordinator claim.
   * @returns what the method returned; rejects with what it threw
   * @throws TaskNotFoundError (as a rejection) for an unknown name
   */
  runTask(name: string): Promise<unknown> {
    const task = this.tasks.get(name);
    if (task === undefined) return Promise.reject(new TaskNotFoundError(name));
    if (this.state === 'stopping' || this.state === 'stopped') {
      return Promise.reject(new SchedulerStoppingError(name));
    }
    return new Promise((resolve, reject) => {
      this.accept(
        task,
        this.clock.timestamp(),
        { resolve, reject },
        false,
        undefined,
      );
    });
  }

  /** Pauses a task: its due times pass without runs (counted as skipped). @throws TaskNotFoundError */
  pause(name: string): void {
    const task = this.taskState(name);
    task.paused = true;
    this.stopForever(task);
  }

  /** Resumes a paused task: its schedule continues from now. @throws TaskNotFoundError */
  resume(name: string): void {
    const task = this.taskState(name);
    task.paused = false;
    this.armForever(task);
  }

  /** Pauses every task of a group. @throws AioClockError for an unknown group */
  pauseGroup(group: string): void {
    const state = this.knownGroup(group);
    state.paused = true;
    for (const task of state.tasks) this.stopForever(task);
  }

  /** Resumes every task of a group (tasks paused one by one stay paused). @throws AioClockError */
  resumeGroup(group: string): void {
    const state = this.knownGroup(group);
    state.paused = false;
    for (const task of state.tasks) this.armForever(task);
  }

  /** A snapshot of every task, in registration order. */
  getTasks(): TaskInfo[] {
    return Array.from(this.tasks.values(), (task) => this.info(task));
  }

  /** A snapshot of one task. @throws TaskNotFoundError */
  getTask(name: string): TaskInfo {
    return this.info(this.taskState(name));
  }

  private info(task: TaskState): TaskInfo {
    return {
      name: task.name,
      group: task.group.name,
      trigger: task.def.trigger,
      nextRunAt:
        task.queuedDue !== NOT_QUEUED && !task.isPaused
          ? new Date(task.queuedDue)
          : null,
      lastRunAt: Number.isNaN(task.lastRunAt) ? null : new Date(task.lastRunAt),
      running: task.running > 0,
      runs: task.runs,
      failures: task.failures,
      skipped: task.skipped,
      finished: task.finished,
      paused: task.isPaused,
      enabled: this.isEnabled(task),
    };
  }

  private taskState(name: string): TaskState {
    const task = this.tasks.get(name);
    if (task === undefined) throw new TaskNotFoundError(name);
    return task;
  }

  private knownGroup(name: string): GroupState {
    const group = this.groups.get(name);
    if (group === undefined) throw new AioClockError(groupNotFound(name));
    return group;
  }

  private groupState(name: string): GroupState {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = new GroupState(name);
      this.groups.set(name, group);
    }
    return group;
  }

  private isEnabled(task: TaskState): boolean {
    return this.enabled && task.group.enabled && task.def.enabled !== false;
  }

  // ---------------------------------------------------------- the queue

  /** Puts a task on its schedule at start (or when added later). */
  private schedule(task: TaskState, now: number): void {
    if (!this.isEnabled(task) || task.exhausted) return;
    if (task.kind === 'forever') {
      this.startForever(task);
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

  private enqueue(task: TaskState, due: number): void {
    this.queue.add(task, due);
    if (this.subject.observed) this.emit('scheduled', task, due);
    if (!this.dispatching && due < this.armedDue) this.arm();
  }

  /** Keeps ONE clock timer armed, for the earliest due time; re-arms only when that changes. */
  private arm(): void {
    if (this.state !== 'running' || this.warming) return;
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
    if (this.state !== 'running') return;
    // Read once: runs that take time while we dispatch must not make later
    // tasks of the same wake-up look late.
    this.dispatch(this.clock.timestamp());
  }

  /** Fires everything due at or before `now`, then re-arms. */
  private dispatch(now: number): void {
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
          if (this.state !== 'running') return;
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
    // Woke late past later due times: run only the latest, skip the older ones.
    for (let late = 0; next !== null && next <= now; late++) {
      if (late === LATE_SKIP_EVENTS) {
        [fire, next] = this.skipLate(task, fire, next, now);
        break;
      }
      this.skip(task, fire, skipReasons.late);
      // A due time given back can only make the next one earlier: still late.
      if (this.giveBack(task, trigger.receipt?.(fire)))
        next = trigger.next(fire)!;
      fire = next;
      next = trigger.next(fire);
    }
    task.cursor = fire;
    const receipt = trigger.receipt?.(fire);

    const paused = task.isPaused;
    if (!paused) this.reserve(task);
    else if (this.giveBack(task, receipt)) next = trigger.next(fire);
    if (next === null) this.exhaust(task);
    else if (!task.exhausted) this.enqueue(task, next);

    if (paused) this.skip(task, fire, skipReasons.paused);
    else if (task.claims)
      this.claim(task, fire, next === null ? null : next - fire, receipt);
    else this.accept(task, fire, null, true, receipt);
    this.maybeFinish(task);
  }

  /**
   * Catches up over many missed due times at once, from `fire` (missed too):
   * an `every` trigger jumps there arithmetically, others step. All are
   * counted as skipped, in ONE event. Returns the due time to fire and the next.
   */
  private skipLate(
    task: TaskState,
    fire: number,
    next: number | null,
    now: number,
  ): [number, number | null] {
    const trigger = task.trigger;
    const first = fire;
    let missed = 0;
    if (trigger.lastAtOrBefore !== undefined) {
      const last = trigger.lastAtOrBefore(fire, now);
      missed = last.passed;
      fire = last.due;
      next = trigger.next(fire);
    }
    while (next !== null && next <= now) {
      missed++;
      if (this.giveBack(task, trigger.receipt?.(fire)))
        next = trigger.next(fire)!;
      fire = next;
      next = trigger.next(fire);
    }
    task.skipped += missed;
    if (this.subject.observed)
      this.emit('skipped', task, first, undefined, lateSkips(missed));
    return [fire, next];
  }

  private exhaust(task: TaskState): void {
    task.exhausted = true;
    this.queue.remove(task);
  }

  // --------------------------------------------------------- coordination

  private claim(
    task: TaskState,
    due: number,
    periodMs: number | null,
    receipt: unknown,
  ): void {
    const coordinator = this.coordinator!;
    task.pendingClaims++;
    let answer: Promise<boolean>;
    try {
      answer = coordinator.claim(task.name, due, periodMs);
    } catch (error) {
      answer = Promise.reject(error);
    }
    void answer.then(
      (won) => this.onClaim(task, due, receipt, won === true, false, undefined),
      (error: unknown) => this.onClaim(task, due, receipt, false, true, error),
    );
  }

  private onClaim(
    task: TaskState,
    due: number,
    receipt: unknown,
    won: boolean,
    failed: boolean,
    error: unknown,
  ): void {
    task.pendingClaims--;
    if (this.state !== 'running') return;
    if (failed) {
      this.coordinatorFailed(error);
      task.failures++;
      if (this.subject.observed) this.emit('failed', task, due, error);
      // Run nowhere: it does not count.
      this.refund(task, receipt);
    } else {
      this.coordinatorAnswered();
      if (won) this.accept(task, due, null, true, receipt);
      // Another replica runs it: it stays counted.
      else this.skip(task, due, skipReasons.claimed);
    }
    this.maybeFinish(task);
  }

  private coordinatorFailed(error: unknown): void {
    if (this.coordinatorDown) return;
    this.coordinatorDown = true;
    this.logger.error(coordinatorUnavailable(error), stackOf(error));
  }

  private coordinatorAnswered(): void {
    if (!this.coordinatorDown) return;
    this.coordinatorDown = false;
    this.logger.log(coordinatorRecovered());
  }

  // -------------------------------------------------------------- forever

  private startForever(task: TaskState): void {
    if (this.coordinator !== undefined) this.askLease(task);
    else this.armForever(task);
  }

  /** Starts the next `@Forever` run on the next turn of the event loop, if it may run. */
  private armForever(task: TaskState): void {
    const forever = task.forever;
    if (
      forever === null ||
      forever.handle !== null ||
      this.state !== 'running' ||
      task.exhausted ||
      task.busy ||
      task.isPaused ||
      !this.isEnabled(task) ||
      (this.coordinator !== undefined && !forever.leaseHeld)
    ) {
      return;
    }
    forever.handle = this.clock.defer(() => this.foreverTick(task, forever));
  }

  private foreverTick(task: TaskState, forever: ForeverState): void {
    forever.handle = null;
    if (this.state !== 'running' || task.isPaused || task.exhausted) return;
    if (this.coordinator !== undefined && !forever.leaseHeld) return;
    // A requested run is going: its end re-arms the loop.
    if (task.busy) return;
    this.reserve(task);
    this.admit(task, this.clock.timestamp(), null, true, undefined);
  }

  private stopForever(task: TaskState): void {
    const forever = task.forever;
    if (forever === null || forever.handle === null) return;
    this.clock.clearTimer(forever.handle);
    forever.handle = null;
  }

  private askLease(task: TaskState): void {
    task.forever!.leaseAsked = true;
    let answer: Promise<boolean>;
    try {
      answer = this.coordinator!.lease(task.name, this.leaseTtl());
    } catch (error) {
      answer = Promise.reject(error);
    }
    void answer.then(
      (held) => this.onLease(task, held === true, undefined, false),
      (error: unknown) => this.onLease(task, false, error, true),
    );
  }

  private onLease(
    task: TaskState,
    held: boolean,
    error: unknown,
    failed: boolean,
  ): void {
    if (this.state !== 'running') {
      // Answered after stop began: give back what we just got.
      if (held && this.state !== 'starting') void this.release(task);
      return;
    }
    if (failed) this.coordinatorFailed(error);
    else this.coordinatorAnswered();
    const forever = task.forever!;
    forever.leaseHeld = held;
    if (task.exhausted) return;
    forever.leaseTimer = this.clock.setTimer(
      () => {
        forever.leaseTimer = null;
        this.askLease(task);
      },
      // Renew well within the lease; ask again often enough to take over within it.
      held ? this.leaseTtl() / 3 : this.leaseTtl() / 2,
    );
    if (held) this.armForever(task);
    else this.stopForever(task);
  }

  /** The coordinator's own lease length, else the default. */
  private leaseTtl(): number {
    return this.coordinator?.leaseTtlMs ?? FOREVER_LEASE_TTL_MS;
  }

  private async release(task: TaskState): Promise<void> {
    const forever = task.forever!;
    forever.leaseAsked = false;
    forever.leaseHeld = false;
    try {
      await this.coordinator!.release(task.name);
    } catch (error) {
      this.coordinatorFailed(error);
    }
  }

  // ----------------------------------------------------------------- runs

  /**
   * A scheduled run is going to happen: it counts against `maxLoopCount`
   * from now on — when it is the last, nothing more is scheduled — unless it
   * is given back with `refund` because it did not run after all.
   */
  private reserve(task: TaskState): void {
    if (task.maxLoops === null) return;
    task.loops++;
    if (task.loops >= task.maxLoops) {
      task.exhausted = true;
      this.queue.remove(task);
      this.stopForever(task);
    }
  }

  /**
   * A counted scheduled run did not run after all (refused by the overlap
   * policy, replaced, dropped while paused, or its claim failed): give its
   * count back — to the task and to its trigger — and reopen the schedule if
   * the count had closed it or the trigger may now answer earlier.
   */
  private refund(task: TaskState, receipt: unknown): void {
    let reopen = this.giveBack(task, receipt);
    if (task.maxLoops !== null) {
      task.loops--;
      reopen ||= task.exhausted;
    }
    if (reopen) this.reopen(task);
  }

  /** Hands a trigger back a due time that will not run; `true` if it had counted it. */
  private giveBack(task: TaskState, receipt: unknown): boolean {
    if (receipt === undefined) return false;
    task.trigger.giveBack?.(receipt);
    return true;
  }

  /** Schedules a task again after a refund left it runs to make. */
  private reopen(task: TaskState): void {
    if (this.state !== 'running' || !this.isEnabled(task)) return;
    if (task.maxLoops !== null && task.loops >= task.maxLoops) return;
    if (task.kind === 'forever') {
      task.exhausted = false;
      this.armForever(task);
      return;
    }
    if (task.kind !== 'timed' || Number.isNaN(task.cursor)) return;
    // Asked again after its latest due time, the trigger gives the due time
    // the count kept from the queue, or an earlier one a member given back
    // resumes at (one that has passed fires at once, under the late rule).
    const next = task.trigger.next(task.cursor);
    if (next === null) return;
    task.exhausted = false;
    if (task.queuedDue !== next) this.enqueue(task, next);
  }

  /**
   * A run is due (or requested): apply the task's overlap policy, then admit
   * it. A `scheduled` run has been counted by `reserve`; when the policy
   * drops it, its count is given back. Requested ones carry a waiter.
   */
  private accept(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    scheduled: boolean,
    receipt: unknown,
  ): void {
    if (!task.busy || task.overlap === 'allow') {
      this.admit(task, due, waiter, scheduled, receipt);
      return;
    }
    switch (task.overlap) {
      case 'skip':
        this.refuse(task, due, waiter, scheduled, receipt, skipReasons.running);
        return;
      case 'bufferOne':
        // One run may wait: buffered, or itself still waiting for a group slot.
        if (
          task.waiting > 0 ||
          (task.buffer !== null && task.buffer.length > 0)
        ) {
          this.refuse(
            task,
            due,
            waiter,
            scheduled,
            receipt,
            skipReasons.buffered,
          );
          return;
        }
        break;
      case 'cancelOther':
        this.cancelOther(task, due, waiter, scheduled, receipt);
        return;
      default: // bufferAll
        break;
    }
    (task.buffer ??= new Fifo<RunRequest>()).push(
      new RunRequest(task, due, waiter, scheduled, receipt),
    );
  }

  /** Admits a buffered or waiting request, keeping whether it was scheduled. */
  private admitRequest(request: RunRequest): void {
    this.admit(
      request.task,
      request.due,
      request.waiter,
      request.scheduled,
      request.receipt,
    );
  }

  private refuse(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    scheduled: boolean,
    receipt: unknown,
    reason: string,
  ): void {
    this.skip(task, due, reason);
    if (scheduled) this.refund(task, receipt);
    if (waiter !== null)
      waiter.reject(new TaskBusyError(task.name, task.overlap));
  }

  /** The newest due run replaces any waiting one and aborts the one in flight. */
  private cancelOther(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    scheduled: boolean,
    receipt: unknown,
  ): void {
    const waiting = task.waitingRequest;
    if (waiting !== null) {
      // Not started yet, waiting for a group slot: the newcomer takes its place.
      this.replaceOld(task, waiting);
      waiting.due = due;
      waiting.waiter = waiter;
      waiting.scheduled = scheduled;
      waiting.receipt = receipt;
      return;
    }
    const buffer = (task.buffer ??= new Fifo<RunRequest>());
    for (const old of buffer.drain()) this.replaceOld(task, old);
    buffer.push(new RunRequest(task, due, waiter, scheduled, receipt));
    const current = task.current;
    if (current !== null && !current.cancelled) {
      current.cancelled = true;
      current.context.abort(new AioClockError(runCancelled(task.name)));
    }
  }

  /** A run that had not started is replaced: skipped, its count given back. */
  private replaceOld(task: TaskState, old: RunRequest): void {
    this.skip(task, old.due, skipReasons.replaced);
    if (old.scheduled) this.refund(task, old.receipt);
    if (old.waiter !== null)
      old.waiter.reject(new TaskBusyError(task.name, task.overlap));
  }

  /** Starts the run, or queues it when the group is at its concurrency cap. */
  private admit(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    scheduled: boolean,
    receipt: unknown,
  ): void {
    const group = task.group;
    if (group.active < group.concurrency) {
      this.startRun(task, due, waiter);
      return;
    }
    const request = new RunRequest(task, due, waiter, scheduled, receipt);
    group.waiting.push(request);
    task.waiting++;
    if (task.overlap !== 'allow') task.waitingRequest = request;
  }

  /** Runs a startup or shutdown task; resolves when it is over. */
  private runLifecycle(task: TaskState): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.admit(
        task,
        this.clock.timestamp(),
        { resolve, reject },
        false,
        undefined,
      ),
    );
  }

  /** The one wrapper around every run. Nothing thrown here escapes. */
  private startRun(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
  ): void {
    const now = this.clock.timestamp();
    const group = task.group;
    task.running++;
    group.active++;
    task.runs++;
    task.lastRunAt = now;
    const run = new Run(
      task,
      new RunContext(task.name, group.name, due, now),
      waiter,
      due,
    );
    if (task.overlap === 'cancelOther') task.current = run;
    this.active.add(run);
    if (this.subject.observed) this.emit('started', task, due);
    let result: unknown;
    try {
      result = task.def.invoke(run.context);
    } catch (error) {
      this.endRun(run, error, true);
      return;
    }
    if (!isThenable(result)) {
      this.endRun(run, result, false);
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
    let value: unknown;
    let failed = false;
    try {
      value = await result;
    } catch (error) {
      value = error;
      failed = true;
    }
    try {
      this.endRun(run, value, failed);
    } catch (error) {
      // Only a scheduler bug can land here; report it, never as a rejection.
      this.safeLog(error);
    }
  }

  private onTimeout(run: Run): void {
    run.timer = null;
    if (run.done) return;
    const error = new TaskTimeoutError(run.task.name, run.timeoutMs);
    run.context.abort(error);
    this.endRun(run, error, true);
  }

  private endRun(run: Run, value: unknown, failed: boolean): void {
    if (run.done) return;
    run.done = true;
    if (run.timer !== null) {
      this.clock.clearTimer(run.timer);
      run.timer = null;
    }
    const task = run.task;
    const group = task.group;
    const due = run.due;
    task.running--;
    group.active--;
    this.active.delete(run);
    if (task.current === run) task.current = null;
    try {
      if (failed) {
        task.failures++;
        // A run we aborted ourselves (cancelOther, shutdown) is expected to fail.
        if (run.cancelled) this.logger.warn(taskFailed(task.name, value));
        else this.logger.error(taskFailed(task.name, value), stackOf(value));
        if (this.subject.observed) this.emit('failed', task, due, value);
        if (run.waiter !== null) run.waiter.reject(value);
      } else {
        if (this.subject.observed) this.emit('succeeded', task, due);
        if (run.waiter !== null) run.waiter.resolve(value);
      }
    } catch (error) {
      // A logger or an observer threw: the schedule must go on regardless.
      this.safeLog(error);
    }
    this.afterRun(task);
  }

  /**
   * A run ended: start what waited for its group slot, its buffered run, the
   * next forever run. Not reentrant: a run started here that ends at once
   * (a synchronous task) only queues its task for the loop below, so a long
   * line of such runs is worked off iteratively, never as deep recursion.
   */
  private afterRun(task: TaskState): void {
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
          this.afterRunOf(next);
        } catch (error) {
          this.safeLog(error);
        }
      }
    } finally {
      this.drainingEnded = false;
    }
  }

  private afterRunOf(task: TaskState): void {
    const group = task.group;
    while (group.active < group.concurrency && group.waiting.length > 0) {
      const request = group.waiting.shift()!;
      const waiting = request.task;
      waiting.waiting--;
      if (waiting.waitingRequest === request) waiting.waitingRequest = null;
      if (request.scheduled && waiting.isPaused) {
        // Paused while it waited: dropped like a buffered run, and its task's
        // own buffer is looked at next.
        this.skip(waiting, request.due, skipReasons.paused);
        this.refund(waiting, request.receipt);
        if (waiting !== task) this.ended.push(waiting);
        continue;
      }
      this.startRun(waiting, request.due, request.waiter);
    }
    const buffer = task.buffer;
    while (buffer !== null && buffer.length > 0 && !task.busy) {
      const request = buffer.shift()!;
      if (request.scheduled && task.isPaused) {
        this.skip(task, request.due, skipReasons.paused);
        this.refund(task, request.receipt);
        continue;
      }
      this.admitRequest(request);
    }
    if (task.kind === 'forever') this.armForever(task);
    this.maybeFinish(task);
    if (this.active.size === 0 && this.idleWaiter !== null) this.idleWaiter();
  }

  private maybeFinish(task: TaskState): void {
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

  private skip(task: TaskState, due: number, reason: string): void {
    task.skipped++;
    if (this.subject.observed)
      this.emit('skipped', task, due, undefined, reason);
  }

  private emit(
    type: TaskEventType,
    task: TaskState,
    due: number,
    error?: unknown,
    reason?: string,
  ): void {
    const event: TaskEvent = {
      type,
      name: task.name,
      group: task.group.name,
      scheduledAt: new Date(due),
      at: this.clock.now(),
    };
    if (type === 'failed') event.error = error;
    if (reason !== undefined) event.reason = reason;
    this.subject.next(event);
  }

  private safeLog(error: unknown): void {
    try {
      this.logger.error(taskFailed('(scheduler)', error), stackOf(error));
    } catch {
      // Nothing left to report to.
    }
  }
}
