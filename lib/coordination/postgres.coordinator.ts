import {
  CLAIM_MAX_TTL_MS,
  CLAIM_MIN_TTL_MS,
  CLAIM_UNKNOWN_PERIOD_TTL_MS,
  HANDOFF_MS,
  claimTtlMs,
} from './claim-expiry';
import type { PostgresCoordinatorOptions } from './postgres-coordinator-options.interface';
import {
  asFailure,
  CallFailure,
  describeInstant,
} from './postgres/postgres-call-failure';
import { resolvePostgresCoordinatorOptions } from '../options/postgres-coordinator.options';
import type {
  ClaimAnswer,
  ClusterListener,
  ClusterTaskState,
  Coordinator,
  DeclaredTask,
} from './coordinator.interface';
import { LEAVING_RUNS_MAX_MS, RunsInFlight } from './runs-in-flight';
import { ClusterSignals, holdsBusyDueTimes } from './cluster-signals';
import { OwnedTasks } from './owned-tasks';
import { DeclaredClaims } from './declared-claims';
import type { RunOutcome, RunRecord } from '../interfaces/run-record.interface';
import type { PostgresCoordinatorPool } from './postgres/postgres-client.interface';
import { boundedQuery } from './postgres/postgres-bounded-query';
import { PostgresHistory } from './postgres/postgres-history';
import { PostgresMembership } from './postgres/postgres-membership';
import { postgresSignalIo } from './postgres/postgres-signal-io';
import { postgresCreateSchemaStatement } from './postgres/postgres-schema';
import { PostgresScheduleStore } from './postgres/postgres-schedule-store';
import { PostgresTaskStates } from './postgres/postgres-task-states';
import { PostgresClaimBatch } from './postgres/postgres-claim-batch';
import { WritesInFlight } from './writes-in-flight';
import {
  leaseSql,
  releaseSql,
  renewRunningSql,
} from './postgres/postgres-statements';

export type { PostgresCoordinatorOptions } from './postgres-coordinator-options.interface';

/** Claim expiries and the handoff, as on every durable backend (`claim-expiry.ts`). */
export const POSTGRES_HANDOFF_MS = HANDOFF_MS;
export const POSTGRES_CLAIM_MIN_TTL_MS = CLAIM_MIN_TTL_MS;
export const POSTGRES_CLAIM_MAX_TTL_MS = CLAIM_MAX_TTL_MS;
export const POSTGRES_CLAIM_UNKNOWN_PERIOD_TTL_MS = CLAIM_UNKNOWN_PERIOD_TTL_MS;

/**
 * Lets replicas agree through PostgreSQL on who runs each due run, with the
 * cluster guarantees of `RedisCoordinator`: members that own an even share of
 * the tasks (the same rendezvous maths), a per-due-time fence, durable state
 * per task, cluster-wide `maxLoopCount` and overlap, `@Forever` leases. The
 * claims one replica makes at one due time go as ONE statement (an insert of
 * all of them, returning those it won). Every expiry is on the database's
 * clock. When PostgreSQL cannot be reached, claims reject (the scheduler
 * skips the run and logs the outage once) and the pool reconnects by itself.
 */
export class PostgresCoordinator implements Coordinator {
  /** Replicas must compute identical due times to meet on the same row. */
  readonly alignsToEpoch = true;
  /** The value this replica writes into the rows it holds. */
  readonly replicaId: string;
  /** The schema of the tables. */
  readonly schema: string;
  /** The bound on every statement, in ms. */
  readonly claimTimeoutMs: number;
  /** How long a silent member keeps its tasks, and a `@Forever` lease lasts, in ms. */
  readonly leaseTtlMs: number;
  /** How often a member renews its membership, in ms. */
  readonly heartbeatMs: number;
  /** How many history rows each task keeps. */
  readonly historyKeep: number;
  /** The durable schedules, in `<schema>.schedules`, shared by every replica. */
  readonly schedules: PostgresScheduleStore;

  private readonly pool: PostgresCoordinatorPool;
  private readonly createSchema: boolean;
  private readonly membership: PostgresMembership;
  private readonly runs: PostgresHistory;
  private readonly owned: OwnedTasks;
  private readonly states: PostgresTaskStates;
  private schemaReady: Promise<void> | null = null;
  private schemaDone = false;
  /** Each declared task's maxLoopCount (0: none), overlap and count start, sent with its claims. */
  private readonly declared = new DeclaredClaims();
  /** Tasks this replica holds the running mark of. */
  private readonly inFlight = new RunsInFlight();
  private readonly claims: PostgresClaimBatch;
  /** The last statement's failure, until a statement succeeds again. */
  private unreachable: CallFailure | null = null;
  private readonly signals: ClusterSignals;
  /** Every statement's outcome; `answers`: `forgetTask` deletes after them. */
  private readonly statements = {
    reachable: (failure: CallFailure | null) => (this.unreachable = failure),
    answers: new WritesInFlight(),
  };

  /**
   * @param options the pool and settings; see `PostgresCoordinatorOptions`
   * @throws AioClockError when an option is missing or invalid
   */
  constructor(options: PostgresCoordinatorOptions) {
    const resolved = resolvePostgresCoordinatorOptions(options);
    this.pool = resolved.pool;
    this.schema = resolved.schema;
    this.replicaId = resolved.replicaId;
    this.claimTimeoutMs = resolved.claimTimeoutMs;
    this.leaseTtlMs = resolved.leaseTtlMs;
    this.heartbeatMs = resolved.heartbeatMs;
    this.createSchema = resolved.createSchema;
    // Managed migrations: the tables are there already.
    this.schemaDone = !resolved.createSchema;
    this.historyKeep = resolved.historyKeep;
    this.runs = new PostgresHistory(
      this.schema,
      this.replicaId,
      this.historyKeep,
      (text, values) => this.query(text, values),
      () => this.statements.answers.settled(),
    );
    this.membership = new PostgresMembership({
      pool: this.pool,
      schema: this.schema,
      replicaId: this.replicaId,
      leaseTtlMs: this.leaseTtlMs,
      heartbeatMs: this.heartbeatMs,
      query: (text, values) => this.query(text, values),
      runsInFlight: () => this.inFlight,
      onHeartbeat: () => {
        void this.refreshClusterState();
        this.signals.refresh();
      },
      onViewChanged: () => this.owned.viewChanged(this.declared.keys()),
      onSignal: (payload) => this.signals.received(payload),
    });
    this.signals = new ClusterSignals(
      postgresSignalIo(
        (text, values) => this.query(text, values),
        this.schema,
        this.membership.channel,
      ),
    );
    this.owned = new OwnedTasks(this.replicaId, (task) =>
      this.membership.ownerOf(task),
    );
    this.claims = new PostgresClaimBatch({
      schema: this.schema,
      replicaId: this.replicaId,
      leaseTtlMs: this.leaseTtlMs,
      channel: () => this.membership.channel,
      overlapOf: (task) => this.declared.get(task)?.overlap,
      query: (text, values) => this.query(text, values),
    });
    this.states = new PostgresTaskStates(this.schema, (text, values) =>
      this.query(text, values),
    );
    this.schedules = new PostgresScheduleStore({
      pool: this.pool,
      schema: this.schema,
      query: (text, values) =>
        this.ensureSchema().then(() => this.query(text, values)),
      fail: asFailure,
      // A lost change notice is found within a heartbeat: one max(seq) each.
      resyncMs: this.heartbeatMs,
    });
  }

  /**
   * Creates the tables when missing (once; again after a failure). Replicas
   * starting together take turns on an advisory lock.
   * @throws AioClockError (as a rejection) when PostgreSQL fails
   */
  ensureSchema(): Promise<void> {
    if (!this.createSchema || this.schemaDone) return Promise.resolve();
    this.schemaReady ??= this.query(
      postgresCreateSchemaStatement(this.schema),
      [],
      // DDL waits for the lock: give it room beyond one claim's bound.
      Math.max(this.claimTimeoutMs, 10_000),
    ).then(
      () => {
        this.schemaDone = true;
      },
      (error: unknown) => {
        this.schemaReady = null;
        throw asFailure('create its tables', error);
      },
    );
    return this.schemaReady;
  }

  /**
   * Becomes a member owning a share of `tasks`. Never rejects: while
   * PostgreSQL cannot be reached, claims report it.
   * @param tasks the timed tasks this replica schedules
   */
  async join(tasks: readonly DeclaredTask[]): Promise<void> {
    this.declared.add(tasks);
    await this.ensureSchema().catch(() => undefined);
    await this.membership.join(tasks.map((task) => task.name));
  }
  /** Replaces the declared tasks (run-time tasks, durable schedules); the others learn of it at once. */
  declare(tasks: readonly DeclaredTask[]): void {
    // Claims carry each task's count start; no fence is taken ahead here.
    this.declared.replace(tasks);
    this.membership.redeclare(tasks.map((task) => task.name));
  }

  /** Leaves at once (graceful shutdown), firing for a short handoff meanwhile. */
  leave(): Promise<void> {
    return this.membership
      .leave(
        Math.min(POSTGRES_HANDOFF_MS, this.heartbeatMs),
        // A scheduler's runs still in flight keep their marks and hear cancels
        // until they end (or the scheduler has stopped).
        !this.signals.watching
          ? Promise.resolve()
          : this.inFlight.renewUntilDrained(
              () =>
                void this.query(renewRunningSql(this.schema), [
                  this.replicaId,
                  this.leaseTtlMs,
                  [...this.inFlight],
                ]).catch(() => undefined),
              this.heartbeatMs,
              LEAVING_RUNS_MAX_MS,
              this.signals.unwatched(),
            ),
      )
      .finally(() => this.owned.cleared());
  }

  /** See `Coordinator.onTasksGained`: the tasks that become this replica's, for catch-up. */
  onTasksGained(listener: ((tasks: readonly string[]) => void) | null): void {
    this.owned.listen(listener);
  }

  /**
   * ONE statement for all `tasks`: each one's last due time fired (or caught
   * up), marking it caught up to just before `before`. See
   * `Coordinator.takeOverDueTimes`.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async takeOverDueTimes(
    tasks: readonly { name: string; before: number }[],
  ): Promise<Map<string, number>> {
    try {
      await this.ensureSchema();
      return await this.states.takeOver(tasks);
    } catch (error) {
      throw asFailure(
        `read the last due times of ${tasks.length} tasks`,
        error,
      );
    }
  }

  /** See `Coordinator.readClusterState`. */
  readClusterState(
    tasks: readonly string[],
  ): Promise<Map<string, ClusterTaskState>> {
    return this.states.read(tasks);
  }

  /** The cluster's counters of `task` as of the last heartbeat; undefined before. */
  clusterState(task: string): ClusterTaskState | undefined {
    return this.states.get(task);
  }

  /**
   * Reads the cluster's counters of the declared tasks now, in one
   * statement (each heartbeat does). Never rejects.
   */
  async refreshClusterState(): Promise<void> {
    if (this.schemaDone) await this.states.refresh([...this.declared.keys()]);
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
    if (this.schemaDone) this.signals.pause(task, reason);
  }

  /** Clears the task's pause on every replica. Never rejects. */
  resumeTask(task: string): void {
    if (this.schemaDone) this.signals.resume(task);
  }

  /** The member owning `task` in this replica's view; null when none. */
  ownerOf(task: string): string | null {
    return this.membership.ownerOf(task) ?? null;
  }

  /** See `Coordinator.runsElsewhere`; unsure while the database is unreachable (the claim reports the outage). */
  runsElsewhere(task: string): boolean {
    const membership = this.membership;
    if (!membership.active || !membership.fresh || this.unreachable !== null)
      return false;
    const owner = membership.ownerOf(task);
    return owner !== undefined && owner !== this.replicaId;
  }

  /**
   * Claims the run of `task` due at `dueAt`: `true` on exactly one replica.
   * Claims of one turn are sent as one statement per due time.
   * @param catchUp a missed due time given to this replica: claimed whoever owns the task now
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async claim(
    task: string,
    dueAt: number,
    periodMs: number | null,
    catchUp = false,
  ): Promise<ClaimAnswer> {
    const what = () => `claim ${task} due at ${describeInstant(dueAt)}`;
    if (this.membership.active) {
      if (!this.membership.fresh)
        await this.membership.refresh().catch((error: unknown) => {
          throw asFailure(what(), error);
        });
      const owner = this.membership.ownerOf(task);
      if (owner !== undefined && owner !== this.replicaId && !catchUp) {
        // While the database is unreachable a non-owner cannot know it still
        // is one; answering false here would also read as a recovery to the
        // scheduler, so one outage would be logged once per owned due time.
        if (this.unreachable !== null)
          throw asFailure(what(), this.unreachable);
        return false;
      }
    }
    if (!this.schemaDone)
      await this.ensureSchema().catch((error: unknown) => {
        throw asFailure(what(), error);
      });
    const declared = this.declared.get(task);
    const overlap = declared?.overlap ?? 'allow';
    const marks = this.membership.active && overlap !== 'allow';
    // As on Redis: an end during the claim waits (it would free the new mark).
    if (marks) this.inFlight.claimSent(task);
    const answered = (won: boolean): void => {
      if (marks && this.inFlight.claimAnswered(task, won))
        this.claims.runEnded(task);
    };
    const answer = await this.claims
      .claim(dueAt, {
        task,
        maxLoops: declared?.maxLoops ?? 0,
        loopsFrom: declared?.loopsFrom ?? 0,
        marks,
        holds: holdsBusyDueTimes(overlap),
        ttl: this.claimTtl(periodMs),
      })
      .catch((error: unknown) => {
        answered(false);
        throw asFailure(what(), error);
      });
    answered(answer === true);
    return answer;
  }

  /**
   * This replica's last run in flight of `task` ended: its running mark goes
   * before the next claims. Never rejects: a mark left behind expires after
   * `leaseTtlMs`.
   */
  runEnded(task: string): void {
    if (this.inFlight.ended(task)) this.claims.runEnded(task);
  }

  /**
   * Adds a run (or a skipped due time) to the task's history, in one
   * statement per turn. Never rejects.
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
    if (!this.schemaDone) return;
    this.runs.add(
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

  /** See `Coordinator.countFailedRun`: in this turn's statement, after the records. */
  countFailedRun(task: string): Promise<number> {
    if (this.schemaDone) return this.runs.countFailedRun(task);
    return Promise.reject(new Error('the schema is not ready yet'));
  }

  /**
   * Deletes a removed run-time task's state and history, unless another live
   * member declares it (checked in the same statement).
   * @returns whether it did
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async forgetTask(task: string, stillGone?: () => boolean): Promise<boolean> {
    try {
      await this.ensureSchema();
      // Claims in flight write the rows this deletes: they land first
      // (`signals.clear` waits for the pauses in flight itself).
      await this.claims.settled();
      if (!(await this.runs.forget(task, stillGone))) return false;
      await this.signals.clear(task);
      return true;
    } catch (error) {
      throw asFailure(`forget the removed task ${task}`, error);
    }
  }

  /**
   * The task's history, newest first: every replica's runs.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async history(task: string, limit: number): Promise<RunRecord[]> {
    try {
      await this.ensureSchema();
      return await this.runs.read(task, limit);
    } catch (error) {
      throw asFailure(`read the history of ${task}`, error);
    }
  }

  /**
   * Takes the lease of a `@Forever` task when free, or renews it when held.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async lease(task: string, ttlMs: number): Promise<boolean> {
    const what = `renew the lease of ${task}`;
    try {
      await this.ensureSchema();
      const rows = await this.query(leaseSql(this.schema), [
        task,
        this.replicaId,
        Math.max(1, Math.ceil(ttlMs)),
      ]);
      return rows.length === 1;
    } catch (error) {
      throw asFailure(what, error);
    }
  }

  /**
   * Gives up the lease of `task` if this replica holds it.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async release(task: string): Promise<void> {
    try {
      await this.query(releaseSql(this.schema), [task, this.replicaId]);
    } catch (error) {
      throw asFailure(`release the lease of ${task}`, error);
    }
  }

  /** How long a claim lives (ms): twice the period, at least a minute, at most a day; an hour when unknown. */
  claimTtl(periodMs: number | null): number {
    return claimTtlMs(periodMs);
  }

  // Bounded by claimTimeoutMs (see `boundedQuery`).
  private query(
    text: string,
    values: unknown[],
    timeoutMs: number = this.claimTimeoutMs,
  ): Promise<Record<string, unknown>[]> {
    return boundedQuery(this.pool, text, values, timeoutMs, this.statements);
  }
}
