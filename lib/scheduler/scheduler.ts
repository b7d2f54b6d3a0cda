import type { Observable } from 'rxjs';
import {
  groupNotFound,
  inTask,
  invalidOption,
  jitterNotBelowPeriod,
  taskNameTaken,
} from '../aioclock.messages';
import type { Clock } from '../clock/clock';
import type {
  ClusterTaskState,
  Coordinator,
} from '../coordination/coordinator.interface';
import { AioClockError } from '../errors/aioclock.error';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import { SchedulerStoppingError } from '../errors/scheduler-stopping.error';
import { TaskNotFoundError } from '../errors/task-not-found.error';
import type { TaskEvent } from '../interfaces/task-event.interface';
import type { TaskInfo } from '../interfaces/task-info.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { instrumentRuns } from '../observability/instrument-runs';
import type { OpenTelemetryMode } from '../observability/observability.constants';
import { createTrigger, validateTriggerSpec } from '../triggers/create-trigger';
import type { Trigger } from '../triggers/trigger';
import { Backfill } from './backfill';
import { DispatchLoop } from './dispatch-loop';
import { MissedCatchUp } from './missed-catch-up';
import type { WarmUpTarget } from './dispatch-warm-up';
import { shortestPeriodMs } from './due-jitter';
import { SchedulerShutdown } from './scheduler-shutdown';
import type {
  GroupDefinition,
  SchedulerLogger,
  TaskDefinition,
} from './task-definition';
import { RunWindow } from './run-window';
import { TaskPolicies, windowOf } from './task-policies';
import { swapTrigger } from './task-reschedule';
import { taskSnapshot } from './task-snapshot';
import type { RunRecord } from '../interfaces/run-record.interface';
import { ClaimState, GroupState, type TaskKind, TaskState } from './task-state';
import type { ClockJump } from '../interfaces/clock-jump.interface';

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
   * OpenTelemetry spans and metrics per run, decided at `start`: `'auto'`
   * when an SDK has registered a provider by then. @default false
   */
  openTelemetry?: OpenTelemetryMode;
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
export class Scheduler extends DispatchLoop implements WarmUpTarget {
  /** Every `scheduled`, `started`, `succeeded`, `failed` and `skipped` event. */
  readonly events$: Observable<TaskEvent>;

  private readonly timeZone: string;
  private readonly openTelemetry: OpenTelemetryMode;
  private readonly shutdown = new SchedulerShutdown(this);
  private readonly backfiller = new Backfill(this);
  private readonly missed = new MissedCatchUp(this, (task) =>
    this.freshTrigger(task),
  );
  private startPromise: Promise<void> | null = null;

  /** @param options clock, logger, default zone, `enabled`, coordinator */
  constructor(options: SchedulerOptions) {
    super(options);
    this.timeZone = options.timeZone;
    this.openTelemetry = options.openTelemetry ?? false;
    this.events$ = this.events.events$;
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
  override addTask(def: TaskDefinition): void {
    if (this.tasks.has(def.name))
      throw new AioClockError(taskNameTaken(def.name));
    const kind = kindOf(def.trigger.type);
    const trigger = this.triggerOf(def, kind);
    const group = this.groupState(def.group);
    const task = new TaskState(def, group, trigger, kind);
    task.policies = TaskPolicies.of(def);
    if (
      this.coordinator !== undefined &&
      task.kind === 'timed' &&
      def.trigger.type !== 'once'
    )
      task.claim = new ClaimState();
    this.tasks.set(def.name, task);
    group.tasks.push(task);
    if (this.phase === 'running') this.schedule(task, this.clock.timestamp());
  }

  /**
   * The task's trigger, validated, under its `startAt` / `endAt` window; its
   * `jitter` checked against its period.
   * @throws InvalidTriggerError (message prefixed with the task name)
   */
  private triggerOf(def: TaskDefinition, kind: TaskKind): Trigger {
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
    const window = kind === 'timed' ? windowOf(def) : null;
    if (window !== null)
      trigger = new RunWindow(trigger, window.start, window.end);
    if (def.jitter !== undefined && def.jitter > 0)
      this.checkJitter(def, def.jitter);
    return trigger;
  }

  /**
   * Checks a definition as `addTask` would, without adding it.
   * @throws InvalidTriggerError naming `def.name`
   */
  checkDefinition(def: TaskDefinition): void {
    this.triggerOf(def, kindOf(def.trigger.type));
  }

  /**
   * Takes a task out: none of its due times, buffered or waiting runs starts
   * after this call (a waiting `runTask` rejects), and the name is free again.
   * @returns resolves once no run of it is in flight
   * @throws TaskNotFoundError (as a rejection)
   */
  removeTask(name: string): Promise<void> {
    const task = this.tasks.get(name);
    if (task === undefined) return Promise.reject(new TaskNotFoundError(name));
    this.tasks.delete(name);
    const siblings = task.group.tasks;
    siblings.splice(siblings.indexOf(task), 1);
    return this.removals.remove(task);
  }

  /**
   * Gives a timed task a new trigger (`every`, `at`, `cron` or `or`): its
   * next due time is computed from now, and the new trigger's `maxLoopCount`
   * counts from zero. A run in flight goes on; counters are kept.
   * @throws TaskNotFoundError, InvalidTriggerError naming the task and the bad value
   */
  reschedule(name: string, spec: TriggerSpec): TaskInfo {
    const task = this.taskState(name);
    swapTrigger(task, spec, (def) => this.triggerOf(def, 'timed'));
    this.unqueue(task);
    if (this.coordinator !== undefined) task.claim ??= new ClaimState();
    if (this.phase === 'running') this.schedule(task, this.clock.timestamp());
    return this.getTask(name);
  }

  /** `jitter` must stay below the task's period, or a jittered run could start after the next due time. */
  private checkJitter(def: TaskDefinition, jitter: number): void {
    const period = shortestPeriodMs(
      def.trigger,
      () => createTrigger(def.trigger, { timeZone: this.timeZone }),
      this.clock.timestamp(),
    );
    if (period !== null && jitter >= period)
      throw new InvalidTriggerError(
        invalidOption(def.name, 'jitter', jitter, jitterNotBelowPeriod(period)),
        'jitter',
        jitter,
      );
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
    if (this.phase !== 'idle') return;
    this.phase = 'starting';
    this.otel = instrumentRuns(
      this.openTelemetry,
      this.clock,
      this.coordinator,
      (error) => this.reportError(error),
    );
    const startups: Promise<unknown>[] = [];
    for (const task of this.tasks.values()) {
      if (task.kind === 'startup' && this.isEnabled(task))
        startups.push(this.runLifecycle(task));
    }
    await Promise.allSettled(startups);
    if (this.phase !== 'starting') return; // stopped meanwhile
    this.phase = 'running';
    const timed = this.scheduleAll(this.clock.timestamp());
    this.arm();
    this.warmUpper.armAfterStart(timed);
    // Due times missed while no replica ran the tasks this one owns.
    this.missed.start();
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
   * return the same promise. (The work is in `scheduler-shutdown.ts`.)
   * @param graceMs how long to wait, in all, before aborting what still runs
   */
  stop(graceMs: number): Promise<void> {
    if (this.phase !== 'stopped') {
      this.missed.stop();
      this.runPolicies.stop();
    }
    return this.shutdown.stop(graceMs);
  }

  /**
   * Fires no-op copies of tasks `rounds` times by hand on a throw-away
   * scheduler, so V8 optimises the dispatch path before the first real due
   * time (see `dispatch-warm-up.ts`). Touches nothing of this scheduler.
   * @param defs no-op task definitions, of the same classes as the real ones
   * @param rounds how many due times to fire
   */
  warmUp(defs: readonly TaskDefinition[], rounds: number): void {
    this.warmUpper.fire(defs, rounds);
  }

  /** Internal (warm-up): a scheduler sharing this one's clock, logger and zone. */
  override throwAwayScheduler(): Scheduler {
    return new Scheduler({
      clock: this.clock,
      logger: this.logger,
      timeZone: this.timeZone,
    });
  }

  /** Puts every task on its schedule (at start); returns how many are timed. */
  scheduleAll(now: number): number {
    this.jumps.reset(now);
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
  private schedule(task: TaskState, now: number): void {
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

  /** Runs a startup or shutdown task now; resolves when it is over. */
  override runLifecycle(task: TaskState): Promise<unknown> {
    return new Promise((resolve, reject) =>
      this.takeGroupSlot(
        task,
        this.clock.timestamp(),
        { resolve, reject },
        undefined,
      ),
    );
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
    if (this.phase === 'stopping' || this.phase === 'stopped') {
      return Promise.reject(new SchedulerStoppingError(name));
    }
    return new Promise((resolve, reject) =>
      this.runRequested(task, this.clock.timestamp(), { resolve, reject }),
    );
  }

  /**
   * Fires each due time of a task in `[from, to]` (at most 1 000), oldest
   * first, each once the one before has ended, with `ctx.catchUp === true`,
   * through its overlap policy and (under a coordinator) its claim. The range
   * is checked before anything runs (see `backfill.ts`).
   * @param from first instant, a Date or ISO string
   * @param to last instant, not in the future
   * @returns how many due times ran on this replica
   * @throws (as a rejection) TaskNotFoundError, InvalidBackfillError, SchedulerStoppingError
   */
  backfill(name: string, from: unknown, to: unknown): Promise<number> {
    const task = this.tasks.get(name);
    if (task === undefined) return Promise.reject(new TaskNotFoundError(name));
    if (this.phase !== 'running' && this.phase !== 'starting')
      return Promise.reject(new SchedulerStoppingError(name));
    let dues: number[];
    try {
      dues = this.backfiller.dueTimes(task, from, to, () =>
        createTrigger(task.def.trigger, {
          timeZone: this.timeZone,
          alignToEpoch: this.coordinator?.alignsToEpoch === true,
        }),
      );
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.backfiller.fire(task, dues);
  }

  /** A trigger for the task's spec (and window) that nothing else uses. */
  private freshTrigger(task: TaskState): Trigger {
    const trigger = createTrigger(task.def.trigger, {
      timeZone: this.timeZone,
      alignToEpoch: this.coordinator?.alignsToEpoch === true,
    });
    return task.trigger instanceof RunWindow
      ? new RunWindow(trigger, task.trigger.start, task.trigger.end)
      : trigger;
  }

  /** Pauses a task: its due times pass without runs (counted as skipped). @throws TaskNotFoundError */
  pause(name: string): void {
    const task = this.taskState(name);
    task.paused = true;
    this.forever.stop(task);
  }

  /** Resumes a paused task: its schedule continues from now. @throws TaskNotFoundError */
  resume(name: string): void {
    const task = this.taskState(name);
    task.paused = false;
    this.runPolicies.resumed(task);
    this.forever.arm(task);
  }

  /** Pauses every task of a group. @throws AioClockError for an unknown group */
  pauseGroup(group: string): void {
    const state = this.knownGroup(group);
    state.paused = true;
    for (const task of state.tasks) this.forever.stop(task);
  }

  /** Resumes every task of a group (tasks paused one by one stay paused). @throws AioClockError */
  resumeGroup(group: string): void {
    const state = this.knownGroup(group);
    state.paused = false;
    for (const task of state.tasks) this.forever.arm(task);
  }

  /** The latest wall-clock step noticed (see `wall-clock-jumps.ts`), or `null`. */
  lastClockJump(): ClockJump | null {
    const last = this.jumps.last;
    return last === null
      ? null
      : { at: new Date(last.at), jumpMs: last.jumpMs };
  }

  /** A snapshot of every task, in registration order. */
  getTasks(): TaskInfo[] {
    return Array.from(this.tasks.values(), (task) =>
      taskSnapshot(
        task,
        this.isEnabled(task),
        this.ownerOf(task),
        this.clusterStateOf(task),
      ),
    );
  }

  /** A snapshot of one task. @throws TaskNotFoundError */
  getTask(name: string): TaskInfo {
    const task = this.taskState(name);
    return taskSnapshot(
      task,
      this.isEnabled(task),
      this.ownerOf(task),
      this.clusterStateOf(task),
    );
  }

  /**
   * The task's last runs, newest first: from the durable coordinator's
   * store (every replica's) when it keeps one, else from this process.
   * @throws TaskNotFoundError
   */
  getHistory(name: string, limit: number): Promise<RunRecord[]> {
    const task = this.taskState(name);
    const coordinator = this.coordinator;
    if (task.claim !== null && coordinator?.history !== undefined)
      return coordinator.history(name, limit);
    return Promise.resolve(this.history.list(name, limit));
  }

  // A durable coordinator knows the owner of the tasks it claims; every
  // other task runs wherever it is scheduled.
  private ownerOf(task: TaskState): string | null {
    const coordinator = this.coordinator;
    if (task.claim !== null && coordinator?.ownerOf !== undefined)
      return coordinator.ownerOf(task.name);
    return this.replicaId;
  }

  // The cluster's counters, as the coordinator last read them (≤ one heartbeat old).
  private clusterStateOf(task: TaskState): ClusterTaskState | undefined {
    return task.claim !== null
      ? this.coordinator?.clusterState?.(task.name)
      : undefined;
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
}
