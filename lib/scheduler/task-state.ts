import { DEFAULT_OVERLAP } from '../aioclock.constants';
import type { TimerHandle } from '../clock/clock';
import type { OverlapPolicy } from '../interfaces/task-options.interface';
import type { RunTrace } from '../observability/run-instrumentation';
import type { Trigger } from '../triggers/trigger';
import { Fifo } from './fifo';
import type { RunContext } from './run-context';
import type { TaskPolicies } from './task-policies';
import type { GroupDefinition, TaskDefinition } from './task-definition';
import type { Queueable } from './timer-queue';
import type { TaskTimes } from './task-times';

/** How the scheduler drives a task. */
export type TaskKind = 'timed' | 'forever' | 'startup' | 'shutdown';

/** Settles the promise of a requested run (`runTask`, startup, shutdown). */
export interface RunWaiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** A retry's try number, for `ctx.attempt` (run policies). @default 1 */
  readonly attempt?: number;
  /** A run of a passed due time (`backfill`), for `ctx.catchUp`. @default false */
  readonly catchUp?: boolean;
  /** A retry's first try's trace: the retry's span links to it. */
  readonly firstTrace?: RunTrace | null;
}

/** A run accepted but not started yet: waiting in its task's buffer or for a group slot. */
export class RunRequest {
  constructor(
    readonly task: TaskState,
    public due: number,
    /** Settles a requested run (`runTask`, startup, shutdown); `null` for a scheduled one. */
    public waiter: RunWaiter | null,
    /** The trigger's receipt for `due`, to give back if the run is dropped. */
    public receipt: unknown = undefined,
  ) {}

  /** A scheduled run (counted against `maxLoopCount`), not a requested one. */
  get scheduled(): boolean {
    return this.waiter === null;
  }
}

/**
 * A run in flight that has to be reachable while it goes on: one that
 * returned a promise (its timeout, shutdown's abort), or one a newer run may
 * cancel (`cancelOther`). A synchronous run needs none.
 */
export class Run {
  /** The timeout timer, while armed. */
  timer: TimerHandle | null = null;
  /** Settled, timed out, or abandoned at shutdown: later outcomes are ignored. */
  done = false;
  /** The scheduler aborted it (`cancelOther` or shutdown), so its failure is expected. */
  cancelled = false;
  /** The timeout in force, for the `TaskTimeoutError`. */
  timeoutMs = 0;
  /** When it started, epoch ms (for its history record). */
  startedMs = 0;
  /** Its span and metrics, when runs are instrumented. */
  trace: RunTrace | null = null;

  /** Neighbours in the scheduler's list of runs in flight (`RunList`). */
  prev: Run | null = null;
  next: Run | null = null;

  constructor(
    readonly task: TaskState,
    readonly context: RunContext,
    readonly waiter: RunWaiter | null,
    /** The due time the run is for, epoch ms (`context.scheduledAt`, without reading a Date). */
    readonly due: number,
  ) {}
}

/** A group's settings and its queue of runs waiting for a concurrency slot. */
export class GroupState {
  timeout: number | undefined;
  concurrency = Infinity;
  enabled = true;
  paused = false;
  /** Runs in flight. */
  active = 0;
  readonly waiting = new Fifo<RunRequest>();
  readonly tasks: TaskState[] = [];

  constructor(readonly name: string) {}

  /** Applies a group definition (a later one overrides an earlier one). */
  configure(definition: GroupDefinition): void {
    this.timeout = definition.timeout;
    this.concurrency =
      definition.concurrency !== undefined && definition.concurrency > 0
        ? definition.concurrency
        : Infinity;
    this.enabled = definition.enabled !== false;
  }
}

/** A `forever` task's loop, and its lease under a coordinator: only forever tasks have one. */
export class ForeverState {
  /** The deferred call that starts the next run. */
  handle: TimerHandle | null = null;
  /** Under a coordinator: whether this replica holds the lease. */
  leaseHeld = false;
  /** Under a coordinator: the renew or retry timer. */
  leaseTimer: TimerHandle | null = null;
  /** Under a coordinator: a lease was asked for since the last release. */
  leaseAsked = false;
}

/** A task whose scheduled runs are claimed through the coordinator: only those have one. */
export class ClaimState {
  /** Claims sent and not answered yet, and due times held (counted in both). */
  pending = 0;
  /** Due times held while the task runs on another replica (see `cluster-overlap.ts`). */
  held: HeldDue[] | null = null;
  /** The timer that claims the oldest held due time again. */
  retry: TimerHandle | null = null;
  /** A claim of the oldest held due time is in flight. */
  claiming = false;
  /**
   * When `reschedule` last gave the task a trigger (epoch ms; 0: never): the
   * coordinator counts `maxLoops` over the cluster's runs due from then.
   */
  loopsFrom = 0;
}

/** A due time held while its task runs on another replica. */
export interface HeldDue {
  readonly due: number;
  readonly periodMs: number | null;
  readonly receipt: unknown;
}

/**
 * Everything the scheduler tracks about one task. Kept small (one per task,
 * tens of thousands in big apps): what only some tasks need lives in objects
 * made for those (`buffer`, `forever`, `claim`), and what the definition already says
 * is read from it.
 */
export class TaskState implements Queueable {
  // The fields a run reads come first, in about the order it reads them: V8
  // lays fields out in the order they are first set, so those reads fall on
  // the object's first two cache lines. What only some tasks have (a loop
  // budget, run policies, a claim, a buffer, a forever loop, `cancelOther`)
  // is read behind one flag, `special`, so a plain task's run never loads
  // the lines those fields are on.
  queueToken = 0;
  /** Where its queued due time, cursor and latest start are (`TaskTimes`). */
  private times: TaskTimes;
  private slot: number;
  /** Its trigger (`reschedule` swaps it). */
  trigger: Trigger;
  paused = false;
  readonly group: GroupState;
  /** No due time is left to schedule. */
  exhausted = false;
  /**
   * It has a loop budget, run policies, a claim, a buffer, a forever loop or
   * the `cancelOther` policy: the run path's rarer branches apply. Kept up
   * to date by the setters of those fields.
   */
  special = false;
  /** Runs in flight. */
  running = 0;
  /** Runs waiting for a group slot. */
  waiting = 0;
  /** `def.target`: what a run calls `methodKey` on; `null`: it calls `def.invoke`. */
  target: object | null = null;
  methodKey = '';
  runs = 0;

  // Read by rarer paths only (or behind `special`).
  /** Its overlap policy; read when a run finds the task busy. */
  readonly overlap: OverlapPolicy;
  /** `forever` tasks only. */
  readonly forever: ForeverState | null;
  #def: TaskDefinition;
  #maxLoops: number | null = null;
  #policies: TaskPolicies | null = null;
  #claim: ClaimState | null = null;
  #buffer: Fifo<RunRequest> | null = null;
  readonly kind: TaskKind;
  finished = false;
  /** `removeTask` took it out: nothing of it may start any more. */
  removed = false;
  /** Where `RunHistory` keeps this task's records (-1: none yet). */
  historyRing = -1;
  /**
   * Scheduled runs counted against `maxLoops`: started, held to start later,
   * or run by another replica. A held one that is dropped is given back.
   */
  loops = 0;
  failures = 0;
  skipped = 0;
  /** The one waiting request when overlap is not `allow` (for `cancelOther`). */
  waitingRequest: RunRequest | null = null;
  /** The run in flight under `cancelOther` (the one a newer run aborts). */
  current: Run | null = null;

  /**
   * @param def its definition
   * @param group its group
   * @param trigger its trigger
   * @param kind how the scheduler drives it
   * @param times the scheduler's table of task times (a slot is taken there)
   */
  constructor(
    def: TaskDefinition,
    group: GroupState,
    trigger: Trigger,
    kind: TaskKind,
    times: TaskTimes,
  ) {
    this.times = times;
    this.slot = times.allocate();
    this.trigger = trigger;
    this.group = group;
    this.#def = def;
    this.copyMethodOf(def);
    this.overlap = def.overlap ?? DEFAULT_OVERLAP;
    this.forever = kind === 'forever' ? new ForeverState() : null;
    this.kind = kind;
    const max = (def.trigger as { maxLoopCount?: number }).maxLoopCount;
    this.maxLoops = typeof max === 'number' ? max : null;
  }

  // Times are numbers, never null (NaN for "none" and `NOT_QUEUED`).
  /** The due time it is queued for (`TimerQueue`), or `NOT_QUEUED`. */
  get queuedDue(): number {
    return this.times.data[this.slot * 3];
  }

  set queuedDue(value: number) {
    this.times.data[this.slot * 3] = value;
  }

  /** The latest due time fired (the last `previous` given to `trigger.next`); NaN before the first. */
  get cursor(): number {
    return this.times.data[this.slot * 3 + 1];
  }

  set cursor(value: number) {
    this.times.data[this.slot * 3 + 1] = value;
  }

  /** When the latest run started, epoch ms; NaN before the first. */
  get lastRunAt(): number {
    return this.times.data[this.slot * 3 + 2];
  }

  set lastRunAt(value: number) {
    this.times.data[this.slot * 3 + 2] = value;
  }

  /** The task is gone for good: its times move out of the shared table, whose slot a new task may take. */
  releaseTimes(): void {
    const own = this.times.copyOut(this.slot);
    this.times.release(this.slot);
    this.times = own;
    this.slot = 0;
  }

  /** Its definition (`reschedule` swaps it for one with the new trigger). */
  get def(): TaskDefinition {
    return this.#def;
  }

  set def(value: TaskDefinition) {
    this.#def = value;
    this.copyMethodOf(value);
  }

  private copyMethodOf(def: TaskDefinition): void {
    const { target, methodKey } = def;
    this.target =
      target !== undefined && methodKey !== undefined ? target : null;
    this.methodKey = methodKey ?? '';
  }

  /** The trigger's `maxLoopCount`; `reschedule` replaces it with the new trigger's. */
  get maxLoops(): number | null {
    return this.#maxLoops;
  }

  set maxLoops(value: number | null) {
    this.#maxLoops = value;
    this.updateSpecial();
  }

  /** Its run policies (retry, jitter, pauseOnFailure); `null` for most tasks. */
  get policies(): TaskPolicies | null {
    return this.#policies;
  }

  set policies(value: TaskPolicies | null) {
    this.#policies = value;
    this.updateSpecial();
  }

  /** Under a coordinator, for a task whose scheduled runs are claimed; else `null`. */
  get claim(): ClaimState | null {
    return this.#claim;
  }

  set claim(value: ClaimState | null) {
    this.#claim = value;
    this.updateSpecial();
  }

  /** Runs held back by `bufferOne` / `bufferAll` / `cancelOther`; created on first use. */
  get buffer(): Fifo<RunRequest> | null {
    return this.#buffer;
  }

  set buffer(value: Fifo<RunRequest> | null) {
    this.#buffer = value;
    this.updateSpecial();
  }

  private updateSpecial(): void {
    this.special =
      this.#maxLoops !== null ||
      this.#policies !== null ||
      this.#claim !== null ||
      this.#buffer !== null ||
      this.forever !== null ||
      this.overlap === 'cancelOther';
  }

  /** The task's unique name. */
  get name(): string {
    return this.def.name;
  }

  /** Paused itself or through its group. */
  get isPaused(): boolean {
    return this.paused || this.group.paused;
  }

  /** A run is in flight or waiting for a group slot. */
  get busy(): boolean {
    return this.running > 0 || this.waiting > 0;
  }

  /** The timeout in force: the task's, else its group's. */
  get timeout(): number | undefined {
    return this.def.timeout ?? this.group.timeout;
  }
}
