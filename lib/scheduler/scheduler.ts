import type { Observable } from 'rxjs';
import {
  groupNotFound,
  lifecycleTaskTooLate,
  taskNameTaken,
} from '../aioclock.messages';
import type { ClusterTaskState } from '../coordination/coordinator.interface';
import { AioClockError } from '../errors/aioclock.error';
import { InvalidTriggerError } from '../errors/invalid-trigger.error';
import { SchedulerStoppingError } from '../errors/scheduler-stopping.error';
import { TaskNotFoundError } from '../errors/task-not-found.error';
import type { TaskEvent } from '../interfaces/task-event.interface';
import type { TaskInfo } from '../interfaces/task-info.interface';
import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { instrumentRuns } from '../observability/instrument-runs';
import type { OpenTelemetryMode } from '../observability/observability.constants';
import { Backfill } from './backfill';
import { SchedulerClusterListener } from './cluster-listener';
import { DispatchLoop } from './dispatch-loop';
import { MissedCatchUp } from './missed-catch-up';
import { DispatchWarmUp, type WarmUpTarget } from './dispatch-warm-up';
import { SchedulerShutdown } from './scheduler-shutdown';
import type { GroupDefinition, TaskDefinition } from './task-definition';
import { TaskPolicies } from './task-policies';
import { kindOf, TaskTriggers } from './task-triggers';
import { swapTrigger } from './task-reschedule';
import { taskSnapshot } from './task-snapshot';
import type { RunRecord } from '../interfaces/run-record.interface';
import { ClaimState, GroupState, TaskState } from './task-state';
import type { ClockJump } from '../interfaces/clock-jump.interface';
import type { SchedulerOptions } from './scheduler-options';

export type { SchedulerOptions } from './scheduler-options';

/**
 * The engine: one timer queue for all tasks, the run loop, overlap policies,
 * timeouts, group concurrency, pause/resume, and coordination across replicas.
 * No Nest in here.
 *
 * The decisions worth knowing (due times, pause, timeouts, maxLoopCount,
 * runTask) are in docs/scheduler.md, "Decisions".
 */
export class Scheduler extends DispatchLoop implements WarmUpTarget {
  /** Every `scheduled`, `started`, `succeeded`, `failed` and `skipped` event. */
  readonly events$: Observable<TaskEvent>;

  private readonly timeZone: string;
  private readonly enabled: boolean;
  private readonly openTelemetry: OpenTelemetryMode;
  private readonly shutdown = new SchedulerShutdown(this);
  private readonly warmUpper: DispatchWarmUp;
  private readonly backfiller = new Backfill(this);
  private readonly triggers: TaskTriggers;
  private readonly missed = new MissedCatchUp(this, (task) =>
    this.triggers.fresh(task),
  );
  private startPromise: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;

  /** @param options clock, logger, default zone, `enabled`, coordinator */
  constructor(options: SchedulerOptions) {
    super(options);
    this.timeZone = options.timeZone;
    this.enabled = options.enabled !== false;
    this.triggers = new TaskTriggers(
      options.timeZone,
      options.coordinator,
      options.clock,
    );
    this.openTelemetry = options.openTelemetry ?? false;
    this.events$ = this.events.events$;
    this.warmUpper = new DispatchWarmUp(this, options.noopTask);
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
    const trigger = this.triggers.of(def, kind);
    if (
      (kind === 'startup' && this.phase !== 'idle') ||
      (kind === 'shutdown' &&
        (this.phase === 'stopping' || this.phase === 'stopped'))
    )
      throw new InvalidTriggerError(
        lifecycleTaskTooLate(def.name, kind),
        'trigger',
        def.trigger,
      );
    const group = this.groupState(def.group);
    const task = new TaskState(def, group, trigger, kind, this.taskTimes);
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

  /** The task, its group and the scheduler all allow it to fire. */
  override isEnabled(task: TaskState): boolean {
    return this.enabled && task.group.enabled && task.def.enabled !== false;
  }

  /**
   * Checks a definition as `addTask` would, without adding it.
   * @throws InvalidTriggerError naming `def.name`
   */
  checkDefinition(def: TaskDefinition): void {
    this.triggers.of(def, kindOf(def.trigger.type));
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
    const now = this.clock.timestamp();
    swapTrigger(task, spec, (def) => this.triggers.of(def, 'timed'));
    this.unqueue(task);
    // The cluster's maxLoopCount counts the runs due from now.
    if (this.coordinator !== undefined)
      (task.claim ??= new ClaimState()).loopsFrom = now;
    if (this.phase === 'running') this.schedule(task, now);
    return this.getTask(name);
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
    // Cancels, pauses and ended runs of the other replicas.
    this.coordinator?.watch?.(
      new SchedulerClusterListener(this, (task) =>
        this.overlap.cancelForCluster(task),
      ),
    );
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
      this.claims.held.stop(this.tasks.values());
    }
    // Runs draining still hear cancels from the new owners of their tasks.
    this.stopped ??= this.shutdown
      .stop(graceMs)
      .finally(() => this.coordinator?.watch?.(null));
    return this.stopped;
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

  /** Shutdown: no timer, no pending warm-up, an empty queue. */
  override stopFiring(): void {
    this.warmUpper.cancel();
    super.stopFiring();
  }

  /** Internal (warm-up): a scheduler sharing this one's clock, logger and zone. */
  throwAwayScheduler(): Scheduler {
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
        this.triggers.plain(task.def.trigger),
      );
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.backfiller.fire(task, dues);
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
    // A pause of pauseOnFailure holds cluster-wide: so does its resume.
    this.coordinator?.resumeTask?.(name);
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

  /** The task's last runs in this process, newest first. @throws TaskNotFoundError */
  getLocalHistory(name: string, limit: number): RunRecord[] {
    this.taskState(name);
    return this.history.list(name, limit);
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
