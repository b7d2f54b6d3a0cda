import type { Clock } from '../clock/clock';
import type { Coordinator } from '../coordination/coordinator.interface';
import type { CoordinatorClaims } from './coordinator-claims';
import type { ForeverLoop } from './forever-loop';
import type { RunInstrumentation } from '../observability/run-instrumentation';
import type { LoopBudget } from './loop-budget';
import type { RunHistory } from './run-history';
import type { RunList } from './run-list';
import type { RunPolicies } from './run-policies';
import type { TaskDefinition, SchedulerLogger } from './task-definition';
import type { TaskEvents } from './task-events';
import type { GroupState, Run, RunWaiter, TaskState } from './task-state';

/** Where a scheduler is in its life. */
export type SchedulerPhase =
  'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * What the scheduler shows the helpers beside it (forever loop, claims, loop
 * budget, overlap policies, group admission, shutdown, warm-up). Each helper
 * takes a `Pick` of it naming only what it uses, so its reach can be read
 * from its constructor. Not part of the package's API.
 */
export interface SchedulerInternals {
  readonly clock: Clock;
  readonly logger: SchedulerLogger;
  readonly coordinator: Coordinator | undefined;
  readonly events: TaskEvents;
  /** The last runs of each task in this process. */
  readonly history: RunHistory;
  /** Spans and metrics per run, when on (set at start). */
  readonly otel: RunInstrumentation | null;
  readonly tasks: ReadonlyMap<string, TaskState>;
  readonly groups: ReadonlyMap<string, GroupState>;
  /** Runs in flight that returned a promise: the ones shutdown may abort. */
  readonly active: RunList;
  /** All runs in flight, synchronous ones included (a run can stop the scheduler). */
  readonly inFlight: number;
  phase: SchedulerPhase;
  /** Called once when the last run in flight ends, while set (shutdown waits on it). */
  idleWaiter: (() => void) | null;

  readonly budget: LoopBudget;
  readonly forever: ForeverLoop;
  readonly claims: CoordinatorClaims;
  readonly runPolicies: RunPolicies;

  /** The task, its group and the scheduler all allow it to fire. */
  isEnabled(task: TaskState): boolean;
  /** Queues a task's next due time (and re-arms the timer if it is earlier). */
  enqueue(task: TaskState, due: number): void;
  /** Takes a task out of the timer queue. */
  unqueue(task: TaskState): void;
  /** A scheduled run is due: through the overlap policy, then group admission. */
  runScheduled(task: TaskState, due: number, receipt: unknown): void;
  /** A requested run (`runTask`, `backfill`): overlap policy, then group admission; `waiter` settles it. */
  runRequested(task: TaskState, due: number, waiter: RunWaiter): void;
  /** Starts a run now if its group has a free slot, else queues it for one. */
  takeGroupSlot(
    task: TaskState,
    due: number,
    waiter: RunWaiter | null,
    receipt: unknown,
  ): void;
  /** Starts a run that has passed overlap and group admission. */
  startRun(task: TaskState, due: number, waiter: RunWaiter | null): void;
  /** Ends a run in flight as failed with `error` (timeout, given up at shutdown). */
  failRun(run: Run, error: unknown): void;
  /** Counts and reports a due time that does not run. */
  skip(task: TaskState, due: number, reason: string): void;
  /** Marks the task finished when it is exhausted and nothing of it is left. */
  maybeFinish(task: TaskState): void;
  /** Hands a task whose run ended (or was dropped) to the after-run loop. */
  afterRun(task: TaskState): void;
  /** Runs a startup or shutdown task now; resolves when it is over. */
  runLifecycle(task: TaskState): Promise<unknown>;
  /** Registers a task (the warm-up's throw-away scheduler uses it). */
  addTask(def: TaskDefinition): void;
  /** Reports an error that no task owns; never throws. */
  reportError(error: unknown): void;
}
