import { DEFAULT_OVERLAP } from '../aioclock.constants';
import type { TimerHandle } from '../clock/clock';
import type { OverlapPolicy } from '../interfaces/task-options.interface';
import type { Trigger } from '../triggers/trigger';
import { Fifo } from './fifo';
import type { RunContext } from './run-context';
import type { GroupDefinition, TaskDefinition } from './task-definition';
import { NOT_QUEUED, type Queueable } from './timer-queue';

/** How the scheduler drives a task. */
export type TaskKind = 'timed' | 'forever' | 'startup' | 'shutdown';

/** Settles the promise of a requested run (`runTask`, startup, shutdown). */
export interface RunWaiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
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

/** One run in flight. */
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

/**
 * Everything the scheduler tracks about one task. Kept small (one per task,
 * tens of thousands in big apps): what only some tasks need lives in objects
 * made for those (`buffer`, `forever`), and what the definition already says
 * is read from it.
 */
export class TaskState implements Queueable {
  queueToken = 0;
  queuedDue = NOT_QUEUED;

  readonly maxLoops: number | null;
  /** Whether scheduled runs are claimed through the coordinator. */
  claims = false;

  /**
   * Scheduled runs counted against `maxLoops`: started, held to start later,
   * or run by another replica. A held one that is dropped is given back.
   */
  loops = 0;
  // Times are numbers, never null (NaN for "none"): number-only fields are
  // updated in place; a `number | null` one allocates on every write, once
  // per run for each of 10 000 tasks.
  /** The latest due time fired (the last `previous` given to `trigger.next`); NaN before the first. */
  cursor = NaN;
  runs = 0;
  failures = 0;
  skipped = 0;
  /** When the latest run started, epoch ms; NaN before the first. */
  lastRunAt = NaN;
  /** Runs in flight. */
  running = 0;
  /** Runs waiting for a group slot. */
  waiting = 0;
  /** Claims sent and not answered yet. */
  pendingClaims = 0;
  /** The one waiting request when overlap is not `allow` (for `cancelOther`). */
  waitingRequest: RunRequest | null = null;
  /** The run in flight under `cancelOther` (the one a newer run aborts). */
  current: Run | null = null;
  /** Runs held back by `bufferOne` / `bufferAll` / `cancelOther`; created on first use. */
  buffer: Fifo<RunRequest> | null = null;
  /** No due time is left to schedule. */
  exhausted = false;
  finished = false;
  paused = false;
  /** `forever` tasks only. */
  readonly forever: ForeverState | null;

  constructor(
    readonly def: TaskDefinition,
    readonly group: GroupState,
    readonly trigger: Trigger,
    readonly kind: TaskKind,
  ) {
    const max = (def.trigger as { maxLoopCount?: number }).maxLoopCount;
    this.maxLoops = typeof max === 'number' ? max : null;
    this.forever = kind === 'forever' ? new ForeverState() : null;
  }

  /** The task's unique name. */
  get name(): string {
    return this.def.name;
  }

  /** Its overlap policy. */
  get overlap(): OverlapPolicy {
    return this.def.overlap ?? DEFAULT_OVERLAP;
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
