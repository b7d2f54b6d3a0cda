import {
  CLAIM_MAX_TTL_MS,
  CLAIM_MIN_TTL_MS,
  CLAIM_UNKNOWN_PERIOD_TTL_MS,
  HANDOFF_MS,
  claimTtlMs,
} from './claim-expiry';
import type { RedisCoordinatorOptions } from './redis-coordinator-options.interface';
import {
  REDIS_DEFAULT_HISTORY_KEEP,
  resolveRedisCoordinatorOptions,
} from '../options/redis-coordinator.options';
import type {
  ClaimAnswer,
  ClusterListener,
  ClusterTaskState,
  Coordinator,
  DeclaredTask,
} from './coordinator.interface';
import { LEAVING_RUNS_MAX_MS } from './runs-in-flight';
import { DeclaredClaims } from './declared-claims';
import { ClusterSignals } from './cluster-signals';
import { OwnedTasks } from './owned-tasks';
import { RedisTaskStates } from './redis-task-states';
import { RedisScriptBatch } from './redis-script-batch';
import { RedisClaims } from './redis-claims';
import { RedisTaskKeys } from './redis-task-keys';
import type { RedisCoordinatorClient } from './redis-client.interface';
import { RedisMembership } from './redis-membership';
import type { RunOutcome, RunRecord } from '../interfaces/run-record.interface';
import {
  asFailure,
  describeInstant,
  RedisBoundedCalls,
} from './redis-bounded-calls';
import { RedisForeverLeases } from './redis-forever-leases';
import { RedisRunHistory } from './redis-run-history';
import { RedisScheduleStore } from './redis-schedule-store';
import { redisSignalIo } from './redis-signal-io';

// The option defaults live next to their rules.
export {
  REDIS_DEFAULT_CLAIM_TIMEOUT_MS,
  REDIS_DEFAULT_KEY_PREFIX,
  REDIS_DEFAULT_LEASE_TTL_MS,
  REDIS_DEFAULT_HISTORY_KEEP,
  REDIS_HEARTBEAT_DIVISOR,
  REDIS_MAX_HISTORY_KEEP,
} from '../options/redis-coordinator.options';
export type { RedisCoordinatorOptions } from './redis-coordinator-options.interface';

/** Claim expiries and the handoff, as on every durable backend (`claim-expiry.ts`). */
export const REDIS_HANDOFF_MS = HANDOFF_MS;
export const REDIS_CLAIM_MIN_TTL_MS = CLAIM_MIN_TTL_MS;
export const REDIS_CLAIM_MAX_TTL_MS = CLAIM_MAX_TTL_MS;
export const REDIS_CLAIM_UNKNOWN_PERIOD_TTL_MS = CLAIM_UNKNOWN_PERIOD_TTL_MS;

/**
 * Lets replicas agree through Redis on who runs each due run: the first
 * replica to create the run's key runs it, the others skip it. A claim is a
 * single `SET key id NX PX ttl`; it is never deleted when the run ends, only
 * expires, so a replica whose timer fires late cannot run the same due time
 * again. `@Every` runs are aligned to the epoch so every replica computes the
 * same due times. The glue is here; a member's claims, the key layout,
 * bounded calls, `@Forever` leases and the history store are in
 * `redis-claims.ts`, `redis-task-keys.ts`, `redis-bounded-calls.ts`,
 * `redis-forever-leases.ts` and `redis-run-history.ts`.
 */
export class RedisCoordinator implements Coordinator {
  /** Replicas must compute identical due times to meet on the same key. */
  readonly alignsToEpoch = true;
  /** The value this replica writes into the keys it holds. */
  readonly replicaId: string;
  /** The prefix of every key. */
  readonly keyPrefix: string;
  /** The bound on every Redis call, in ms. */
  readonly claimTimeoutMs: number;
  /** How long a silent member keeps its tasks, and a `@Forever` lease lasts, in ms. */
  readonly leaseTtlMs: number;
  /** How often a member renews its membership, in ms. */
  readonly heartbeatMs: number;
  /** How many history records each task keeps in Redis. */
  readonly historyKeep: number;
  /** The durable schedules, under `<keyPrefix>:{schedules}:…`, shared by every replica. */
  readonly schedules: RedisScheduleStore;

  private readonly client: RedisCoordinatorClient;
  private readonly calls: RedisBoundedCalls;
  private readonly membership: RedisMembership;
  private readonly batch: RedisScriptBatch;
  private readonly leases: RedisForeverLeases;
  private readonly runs: RedisRunHistory;
  private readonly owned: OwnedTasks;
  private readonly states: RedisTaskStates;
  /** Each declared task's maxLoopCount (0: none), overlap and count start, sent with its claims. */
  private readonly declared = new DeclaredClaims();
  private readonly keys: RedisTaskKeys;
  private readonly claims: RedisClaims;
  private readonly signals: ClusterSignals;

  /**
   * @param options the client and key settings; see `RedisCoordinatorOptions`
   * @throws AioClockError when an option is missing or invalid
   */
  constructor(options: RedisCoordinatorOptions) {
    const {
      client,
      keyPrefix,
      claimTimeoutMs,
      leaseTtlMs,
      heartbeatMs,
      history,
      replicaId,
    } = resolveRedisCoordinatorOptions(options);
    const historyKeep = history.keep ?? REDIS_DEFAULT_HISTORY_KEEP;
    this.client = client;
    this.keyPrefix = keyPrefix;
    this.claimTimeoutMs = claimTimeoutMs;
    this.leaseTtlMs = leaseTtlMs;
    this.heartbeatMs = heartbeatMs;
    this.historyKeep = historyKeep;
    this.replicaId = replicaId;
    this.calls = new RedisBoundedCalls(client, claimTimeoutMs);
    const send = <T>(command: () => Promise<T>): Promise<T> =>
      this.calls.send(command);
    this.membership = new RedisMembership({
      client,
      keyPrefix,
      replicaId,
      leaseTtlMs,
      heartbeatMs,
      send,
      onHeartbeat: () => {
        this.renewRunning();
        this.signals.refresh();
      },
      onViewChanged: () => this.owned.viewChanged(this.declared.keys()),
      onSignal: (payload) => this.signals.received(payload),
    });
    this.keys = new RedisTaskKeys(keyPrefix);
    this.signals = new ClusterSignals(
      redisSignalIo(client, send, this.keys, this.membership.channel),
      (kind, task) => this.claims.fenceSignal(kind, task),
    );
    this.owned = new OwnedTasks(replicaId, (task) =>
      this.membership.ownerOf(task),
    );
    this.batch = new RedisScriptBatch(client, send);
    this.claims = new RedisClaims({
      replicaId,
      leaseTtlMs,
      claimTimeoutMs,
      heartbeatMs,
      // A Cluster client sends each script alone: fencing ahead would double its commands.
      claimAhead: client.isCluster !== true,
      fresh: () => this.membership.fresh,
      keys: this.keys,
      batch: this.batch,
      ownerOf: (task) => this.membership.ownerOf(task),
      generation: () => this.membership.generation,
      channel: () => this.membership.channel,
      declared: (task) => this.declared.get(task),
    });
    this.states = new RedisTaskStates(this.batch, (task) =>
      this.stateKey(task),
    );
    this.leases = new RedisForeverLeases(this, client, this.calls);
    this.runs = new RedisRunHistory(this, client, this.batch, this.calls);
    this.schedules = new RedisScheduleStore({
      client,
      keyPrefix,
      calls: this.calls,
      batch: this.batch,
      // A lost change notice is found within a heartbeat: one HGET each.
      resyncMs: this.heartbeatMs,
    });
  }

  /**
   * Becomes a member: heartbeats, and from then on fires only the declared
   * tasks it owns (rendezvous hashing over the live members that declare
   * each task); their claims also keep each task's durable state (runs,
   * last due time) and enforce `maxLoopCount` over the cluster's runs.
   * Never rejects: while Redis cannot be reached, claims report it.
   * @param tasks the timed tasks this replica schedules
   */
  async join(tasks: readonly DeclaredTask[]): Promise<void> {
    this.declared.add(tasks);
    await this.membership.join(tasks.map((task) => task.name));
  }
  /** Replaces the declared tasks (run-time tasks, durable schedules); the others learn of it at once. */
  declare(tasks: readonly DeclaredTask[]): void {
    // A fence taken ahead for an old trigger does not run under the new one.
    for (const task of this.declared.replace(tasks))
      this.claims.ahead?.giveBack(task);
    this.claims.ahead?.keepOnly(this.declared);
    this.membership.redeclare(tasks.map((task) => task.name));
  }

  /**
   * Leaves at once (graceful shutdown): the others take this replica's
   * tasks over now, while it keeps firing them for a short handoff
   * (`REDIS_HANDOFF_MS`, at most `heartbeatMs`) so no due time falls between.
   */
  async leave(): Promise<void> {
    // Claims waiting on another member's fence give up (no run starts on a
    // replica that left); fences taken ahead go back, so the next owners can claim them.
    this.claims.stopWaiting();
    await this.claims.ahead?.releaseAll();
    return this.membership
      .leave(
        Math.min(REDIS_HANDOFF_MS, this.heartbeatMs),
        // A scheduler's runs still in flight keep their marks and hear cancels
        // until they end (or the scheduler has stopped).
        !this.signals.watching
          ? Promise.resolve()
          : this.claims.inFlight.renewUntilDrained(
              () => this.renewRunning(),
              this.heartbeatMs,
              LEAVING_RUNS_MAX_MS,
              this.signals.unwatched(),
            ),
      )
      .finally(() => this.owned.cleared());
  }

  /** See `Coordinator.watch`: cancels, pauses and ended runs of the others. */
  watch(listener: ClusterListener | null): void {
    this.signals.watch(listener);
  }

  /** Asks the replica running `task` to abort its run (`cancelOther`). Never rejects. */
  requestCancel(task: string): void {
    this.signals.requestCancel(task);
  }

  /** Stores the task's pause (`pauseOnFailure`) and tells every replica. Never rejects. */
  pauseTask(task: string, reason: string): void {
    this.signals.pause(task, reason);
  }

  /** Clears the task's pause on every replica. Never rejects. */
  resumeTask(task: string): void {
    this.signals.resume(task);
  }

  /**
   * Tells `listener` which tasks become this replica's (and at once those
   * it owns), for catch-up. See `Coordinator.onTasksGained`.
   */
  onTasksGained(listener: ((tasks: readonly string[]) => void) | null): void {
    this.owned.listen(listener);
  }

  /**
   * One batch of scripts, one per task: each reads the task's last due time
   * fired (or caught up) and marks it caught up to just before `before`.
   * See `Coordinator.takeOverDueTimes`.
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  takeOverDueTimes(
    tasks: readonly { name: string; before: number }[],
  ): Promise<Map<string, number>> {
    return this.states.takeOver(tasks).catch((error: unknown) => {
      throw asFailure(
        `read the last due times of ${tasks.length} tasks`,
        error,
      );
    });
  }

  /** See `Coordinator.readClusterState`. */
  readClusterState(
    tasks: readonly string[],
  ): Promise<Map<string, ClusterTaskState>> {
    return this.states.read(tasks);
  }

  /**
   * The cluster's counters of `task` as of the last heartbeat (each one
   * reads every declared task's in one batch); undefined before.
   */
  clusterState(task: string): ClusterTaskState | undefined {
    return this.states.get(task);
  }

  /**
   * Reads the cluster's counters of the declared tasks now (each heartbeat
   * does); resolves when read. Never rejects.
   */
  async refreshClusterState(): Promise<void> {
    await this.states.refresh(this.declared.keys());
  }

  /**
   * The member owning `task` in this replica's view: null when no live
   * member declares it (or before `join`).
   * @param task the task's unique name
   */
  ownerOf(task: string): string | null {
    return this.membership.ownerOf(task) ?? null;
  }

  /** See `Coordinator.runsElsewhere`. */
  runsElsewhere(task: string, dueAt: number): boolean {
    const membership = this.membership;
    if (!membership.active || !membership.fresh) return false;
    const owner = membership.ownerOf(task);
    return (
      owner !== undefined &&
      owner !== this.replicaId &&
      this.claims.ahead?.holds(task, dueAt) !== true
    );
  }

  /** See `Coordinator.claimHeld`. */
  claimHeld(task: string, dueAt: number, periodMs: number | null): boolean {
    return (
      this.membership.active && this.claims.claimHeld(task, dueAt, periodMs)
    );
  }

  /**
   * Claims the run of `task` due at `dueAt`: resolves `true` on exactly one
   * replica, `false` on the others.
   * @param task the task's unique name
   * @param dueAt the run's due time, epoch ms
   * @param periodMs the task's distance between runs, to size the expiry (null when unknown)
   * @param catchUp a missed due time given to this replica: claimed whoever owns the task now
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  async claim(
    task: string,
    dueAt: number,
    periodMs: number | null,
    catchUp = false,
  ): Promise<ClaimAnswer> {
    if (this.membership.active) {
      if (!this.membership.fresh)
        await this.membership.refresh().catch((error: unknown) => {
          throw asFailure(
            `claim ${task} due at ${describeInstant(dueAt)}`,
            error,
          );
        });
      return this.claims.claim(task, dueAt, periodMs, catchUp);
    }
    // Leaving (the handoff): still the claim script, so the task's state
    // (lastDue, which catch-up reads) counts what the leaver runs.
    if (this.declared.size > 0)
      return this.claims.claim(task, dueAt, periodMs, catchUp);
    const key = this.claimKey(task, dueAt);
    const reply = await this.calls.call(
      () => `claim ${task} due at ${describeInstant(dueAt)}`,
      () =>
        this.client.set(
          key,
          this.replicaId,
          'PX',
          this.claimTtl(periodMs),
          'NX',
        ),
    );
    return reply === 'OK';
  }

  /**
   * This replica's last run in flight of `task` has ended: frees the task's
   * running key (in the next batch), so the task no longer counts as running
   * in the cluster. Never rejects: a key left behind expires after
   * `leaseTtlMs`, as it does when this replica dies.
   * @param task the task's unique name
   */
  runEnded(task: string): void {
    this.claims.runEnded(task);
  }

  /**
   * Deletes a removed run-time task's state and history, unless another live
   * member declares it (read from Redis right before, member or not).
   * @returns whether it did; rejects with what a bounded call threw (logged)
   */
  async forgetTask(task: string, stillGone?: () => boolean): Promise<boolean> {
    if (await this.membership.declaredElsewhere(task)) return false;
    if (!(await this.runs.forget(task, stillGone))) return false;
    // A pause lives in a hash of its own; one being stored lands first.
    await this.signals.clear(task);
    return true;
  }

  /**
   * Adds a run (or a skipped due time) to the task's history in Redis, in the
   * next batch (see `Coordinator.recordRun`). Never rejects.
   */
  recordRun(
    task: string,
    scheduledAt: number,
    startedAt: number,
    finishedAt: number,
    outcome: RunOutcome,
    error: string | undefined,
    attempt = 1,
    catchUp = false,
  ): void {
    this.runs.record(
      task,
      scheduledAt,
      startedAt,
      finishedAt,
      outcome,
      error,
      attempt,
      catchUp,
    );
  }

  /** See `Coordinator.countFailedRun`: in the next batch, after the records. */
  countFailedRun(task: string): Promise<number> {
    return this.runs.countFailedRun(task);
  }

  /**
   * The task's history from Redis, newest first: every replica's runs.
   * @param task the task's unique name
   * @param limit how many records at most
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  history(task: string, limit: number): Promise<RunRecord[]> {
    return this.runs.read(task, limit);
  }

  /** See `RedisTaskKeys.history`. */
  historyKey(task: string): string {
    return this.keys.history(task);
  }

  /**
   * With each heartbeat: renews the running keys of the tasks in flight
   * here, and reads the cluster's counters for `TaskInfo`.
   */
  private renewRunning(): void {
    void this.states.refresh(this.declared.keys());
    this.claims.renewRunning();
  }

  /**
   * Takes the lease of a `@Forever` task when it is free, or renews it when
   * this replica holds it, for `ttlMs`. Resolves `false` while another replica
   * holds it.
   * @param task the task's unique name
   * @param ttlMs how long the lease lasts without renewal
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  lease(task: string, ttlMs: number): Promise<boolean> {
    return this.leases.lease(task, ttlMs);
  }

  /**
   * Gives up the lease of `task` if this replica holds it; a lease held by
   * another replica is left alone.
   * @param task the task's unique name
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  release(task: string): Promise<void> {
    return this.leases.release(task);
  }

  /** The fence of one due run; see `RedisTaskKeys` for the key layout. */
  claimKey(task: string, dueAt: number): string {
    return this.keys.claim(task, dueAt);
  }

  /** See `RedisTaskKeys.running`. */
  runningKey(task: string): string {
    return this.keys.running(task);
  }

  /** See `RedisTaskKeys.state`. */
  stateKey(task: string): string {
    return this.keys.state(task);
  }

  /** See `RedisTaskKeys.lease`. */
  leaseKey(task: string): string {
    return this.keys.lease(task);
  }

  /** How long a claim lives (ms): twice the period, at least a minute, at most a day; an hour when unknown. */
  claimTtl(periodMs: number | null): number {
    return claimTtlMs(periodMs);
  }
}
