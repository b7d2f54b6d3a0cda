import type { RunOutcome, RunRecord } from '../interfaces/run-record.interface';
import type { ScheduleStore } from './schedule-store.interface';

/** A timed task a replica schedules under a coordinator, as it declares it on joining. */
export interface DeclaredTask {
  name: string;
  /** The task's `maxLoopCount`, counted over the cluster's runs; null when unlimited. */
  maxLoopCount: number | null;
  /** The task's overlap policy; `'allow'` tasks do not mark their runs in flight. @default 'skip' */
  overlap?: string;
  /**
   * When `reschedule` last gave the task a trigger here (epoch ms): its
   * `maxLoopCount` counts the cluster's runs due from then, from zero, and
   * nothing held ahead for the old trigger runs under the new one. Unset:
   * never rescheduled here.
   */
  loopsFrom?: number;
}

/**
 * A claim's answer: `true` run it here; `false` another replica runs it (or
 * the task has made its runs); `'notOwner'` another member owns the task, as
 * decided locally without asking the backend (so it says nothing about the
 * backend being reachable); `'busy'` nobody runs it, because a run of the
 * task is still in flight on another replica (cluster-wide overlap).
 */
export type ClaimAnswer = boolean | 'notOwner' | 'busy';

/**
 * Decides which replica runs a due run. The scheduler asks before every
 * scheduled run; only the replica that gets `true` runs it.
 */
export interface Coordinator {
  /**
   * `true` when replicas must agree on due times, so `@Every` runs are aligned
   * to the epoch.
   */
  readonly alignsToEpoch: boolean;

  /**
   * How long a `@Forever` lease lasts (ms) when the coordinator wants its own;
   * the scheduler renews it well within that time. Unset: the scheduler's default.
   */
  readonly leaseTtlMs?: number;

  /**
   * Claims the run of `task` due at `dueAt` (epoch ms). Resolves `true` for
   * exactly one replica; rejects when the claim cannot be decided (backend
   * unreachable), and the run is then skipped and reported as failed.
   * @param periodMs the task's typical distance between runs, to size the claim's expiry (null when unknown)
   * @param catchUp a missed due time this replica was given to catch up: claimed even when another member owns the task now (the fence still decides)
   */
  claim(
    task: string,
    dueAt: number,
    periodMs: number | null,
    catchUp?: boolean,
  ): Promise<ClaimAnswer>;

  /**
   * Durable coordinators: this replica has no run of `task` in flight any
   * more (its last one succeeded, failed, timed out or was given up on), so
   * the task no longer counts as running in the cluster. Never throws.
   */
  runEnded?(task: string): void;

  /**
   * Acquires or renews the lease that lets one replica run a `@Forever` task.
   * Resolves `true` while this replica holds it.
   */
  lease(task: string, ttlMs: number): Promise<boolean>;

  /** Gives up a lease this replica holds (on shutdown). */
  release(task: string): Promise<void>;

  /** This replica's id, as the coordinator writes it. */
  readonly replicaId?: string;

  /**
   * Durable coordinators: becomes a member owning a share of `tasks`, before
   * the scheduler starts. Never rejects.
   */
  join?(tasks: readonly DeclaredTask[]): Promise<void>;

  /**
   * Durable coordinators: replaces the tasks this member declares, after
   * tasks or durable schedules were added, removed or rescheduled at run
   * time. Called only after `join`; never throws.
   */
  declare?(tasks: readonly DeclaredTask[]): void;

  /** Durable coordinators: hands this replica's tasks over, before the scheduler stops. */
  leave?(): Promise<void>;

  /**
   * Durable coordinators: adds a run (or a skipped due time: `startedAt` and
   * `finishedAt` NaN) to the task's history in the store. Never throws.
   * `attempt` (1-based) and `catchUp` are the run's, as in its `TaskContext`.
   */
  recordRun?(
    task: string,
    scheduledAt: number,
    startedAt: number,
    finishedAt: number,
    outcome: RunOutcome,
    error: string | undefined,
    attempt?: number,
    catchUp?: boolean,
  ): void;

  /**
   * Durable coordinators: a run of `task` failed for good (`pauseOnFailure`:
   * after its retries, not cancelled). Counts it in the store's streak of
   * such runs after the records made so far — a success's record ends the
   * streak, `resumeTask` clears it — and resolves to the streak with it, so
   * every replica's runs count. Rejects when the store cannot count it.
   */
  countFailedRun?(task: string): Promise<number>;

  /** Durable coordinators: the task's history from the store, newest first. */
  history?(task: string, limit: number): Promise<RunRecord[]>;

  /**
   * Durable coordinators: a task added at run time was removed and none of
   * its runs is in flight here. Deletes its durable state and history unless
   * another live member still declares it. Rejects on an outage.
   * @param stillGone asked right before deleting: false when a task of that
   *   name was added here again meanwhile (then nothing is deleted)
   * @returns whether it did
   */
  forgetTask?(task: string, stillGone?: () => boolean): Promise<boolean>;

  /** Durable coordinators: the replica owning `task`, null when none (yet). */
  ownerOf?(task: string): string | null;

  /**
   * Durable coordinators: true when this replica knows without a round trip
   * that another member runs the due time (it does not own the task in a
   * view it may trust, and holds no fence for it), so the scheduler skips it
   * at once — a claim would answer `'notOwner'`. False when unsure.
   */
  runsElsewhere?(task: string, dueAt: number): boolean;

  /**
   * Durable coordinators: true when this replica already holds the due time
   * (a fence it took ahead, whose answer it has): the run may start now, in
   * the same pass, and the claim confirming it has been queued. False: claim
   * it as usual (`claim`).
   */
  claimHeld?(task: string, dueAt: number, periodMs: number | null): boolean;

  /**
   * Durable coordinators: where durable schedules live, shared by every
   * replica. Unset: schedules live in this process's memory.
   */
  readonly schedules?: ScheduleStore;

  /**
   * Durable coordinators: calls `listener` with the tasks that become this
   * replica's (ownership moved to it), and at once with those it owns when
   * called — so a scheduler starting catches up what it owns. One listener.
   */
  onTasksGained?(listener: ((tasks: readonly string[]) => void) | null): void;

  /**
   * Durable coordinators: for catch-up, ONE read of the tasks' stored state
   * that also marks each as caught up to just before its `before` (so two
   * replicas taking a task over together do not both catch it up). Resolves
   * task → the latest due time fired or caught up (absent: the task never
   * ran, nothing to catch up).
   * @param tasks each task and the first due time this replica fires itself
   */
  takeOverDueTimes?(
    tasks: readonly { name: string; before: number }[],
  ): Promise<Map<string, number>>;

  /**
   * Durable coordinators: the cluster's counters of `task` as of the last
   * heartbeat (refreshed with each one), `undefined` before the first read.
   */
  clusterState?(task: string): ClusterTaskState | undefined;

  /**
   * Durable coordinators: the cluster's counters of `tasks` read now, in one
   * round trip, for tasks this replica may not declare (a schedule whose
   * handler it lacks). A task never run, or not read, is left out. Never rejects.
   */
  readClusterState?(
    tasks: readonly string[],
  ): Promise<Map<string, ClusterTaskState>>;

  /**
   * Durable coordinators: asks the replica running `task` to abort that run
   * (`cancelOther` across the cluster). Never throws.
   */
  requestCancel?(task: string): void;

  /**
   * Durable coordinators: the task paused itself (`pauseOnFailure`) with
   * `reason`; every replica is told. Never throws.
   */
  pauseTask?(task: string, reason: string): void;

  /**
   * Durable coordinators: `task` was resumed; every replica is told, and the
   * streak `countFailedRun` counts starts from zero. Never throws.
   */
  resumeTask?(task: string): void;

  /**
   * Durable coordinators: where the cluster's signals to this replica go,
   * set once when the scheduler starts (null when it stops).
   */
  watch?(listener: ClusterListener | null): void;
}

/** What a durable coordinator tells its scheduler about the rest of the cluster. */
export interface ClusterListener {
  /** Another replica asked to abort this replica's run in flight of `task`. */
  cancelRequested(task: string): void;
  /** `task` is paused cluster-wide with `reason`, or (null) no longer. */
  pauseChanged(task: string, reason: string | null): void;
  /** Another replica's run of `task` ended: a due time held for it may be claimed now. */
  runEndedElsewhere(task: string): void;
}

/** A task's counters in a durable coordinator's store, every replica's runs. */
export interface ClusterTaskState {
  /** Runs started (claims won), all time. */
  runs: number;
  /** Runs (tries) that failed, timed out or were cancelled. */
  failures: number;
  /** Due times that did not run (skipped on the owner, or busy elsewhere). */
  skipped: number;
  /** Failed runs since the last one that succeeded. */
  consecutiveFailures: number;
  /** When the latest ended run started (epoch ms); NaN for none. */
  lastRunAt: number;
}
