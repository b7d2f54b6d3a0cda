import type { RunOutcome, RunRecord } from '../interfaces/run-record.interface';
import type { RedisBoundedCalls } from './redis-bounded-calls';
import { recordCounter } from './record-counters';
import {
  FAILED_RUN_SCRIPT,
  FORGET_TASK_SCRIPT,
  HISTORY_SCRIPT,
} from './redis-cluster.scripts';
import type { RedisCoordinatorClient } from './redis-client.interface';
import type { RedisScriptBatch } from './redis-script-batch';
import type { RedisCoordinator } from './redis.coordinator';

type HistoryKeys = Pick<
  RedisCoordinator,
  'replicaId' | 'historyKey' | 'historyKeep' | 'stateKey'
>;

/** One record as stored: short keys, `a`/`c` left out when 1/false. */
interface StoredRecord {
  s: number;
  b: number | null;
  f: number | null;
  o: RunOutcome;
  e?: string;
  r: string;
  a?: number;
  c?: boolean;
}

/**
 * The cluster's run history in Redis: a capped list per task that every
 * replica appends to (in its next script batch) and `getHistory` reads. The
 * same script counts the record in the task's state (failures, the failure
 * streak, skips, the latest start); `pauseOnFailure`'s streak of failed runs
 * is counted there too, in the same batch.
 */
export class RedisRunHistory {
  /**
   * @param keys the coordinator's replica id, history keys and `historyKeep`
   * @param client the caller's ioredis client
   * @param batch the coordinator's script batch
   * @param calls the coordinator's bounded calls
   */
  constructor(
    private readonly keys: HistoryKeys,
    private readonly client: RedisCoordinatorClient,
    private readonly batch: RedisScriptBatch,
    private readonly calls: RedisBoundedCalls,
  ) {}

  /** Tasks of the successes `record` keeps until the batch is sent; `keptCount` of them. */
  private readonly keptTasks: string[] = new Array<string>(256).fill('');
  private keptDue = new Float64Array(256);
  private keptAt = new Float64Array(256);
  private keptCount = 0;
  /** The replica id as a JSON string, for records made by hand. */
  private replicaJson: string | null = null;

  /** See `RedisCoordinator.recordRun`. */
  record(
    task: string,
    scheduledAt: number,
    startedAt: number,
    finishedAt: number,
    outcome: RunOutcome,
    error: string | undefined,
    attempt: number,
    catchUp: boolean,
  ): void {
    // The common record — a first try that succeeded at once — is made when
    // the batch is sent, after the pass's last run has started.
    if (
      outcome === 'succeeded' &&
      startedAt === finishedAt &&
      attempt === 1 &&
      !catchUp &&
      error === undefined &&
      !Number.isNaN(startedAt)
    ) {
      this.keep(task, scheduledAt, startedAt);
      return;
    }
    // Any other record goes after those kept: the list keeps their order.
    if (this.keptCount > 0) this.sendKept();
    const stored: StoredRecord = {
      s: scheduledAt,
      b: Number.isNaN(startedAt) ? null : startedAt,
      f: Number.isNaN(finishedAt) ? null : finishedAt,
      o: outcome,
      e: error,
      r: this.keys.replicaId,
    };
    if (attempt !== 1) stored.a = attempt;
    if (catchUp) stored.c = true;
    this.send(
      task,
      JSON.stringify(stored),
      recordCounter(outcome, error),
      stored.b === null ? '' : String(stored.b),
    );
  }

  /** See `Coordinator.countFailedRun`: in the next batch, after the records made so far. */
  async countFailedRun(task: string): Promise<number> {
    if (this.keptCount > 0) this.sendKept();
    const streak = await this.batch.run(
      FAILED_RUN_SCRIPT,
      [this.keys.stateKey(task)],
      [],
    );
    return Number(streak);
  }

  private send(
    task: string,
    record: string,
    counter: string,
    startedAt: string,
  ): void {
    const keys = this.keys;
    this.batch.post(
      HISTORY_SCRIPT,
      [keys.historyKey(task), keys.stateKey(task)],
      [
        record,
        keys.historyKeep,
        counter,
        startedAt,
        historyTrimAt(keys.historyKeep),
      ],
    );
  }

  private keep(task: string, due: number, at: number): void {
    const n = this.keptCount;
    if (n === 0) this.batch.beforeSend(this.sendKept);
    if (n === this.keptDue.length) {
      const due2 = new Float64Array(n * 2);
      const at2 = new Float64Array(n * 2);
      due2.set(this.keptDue);
      at2.set(this.keptAt);
      this.keptDue = due2;
      this.keptAt = at2;
    }
    this.keptTasks[n] = task;
    this.keptDue[n] = due;
    this.keptAt[n] = at;
    this.keptCount = n + 1;
  }

  /** Makes the kept successes' records (the batch is being sent). */
  private readonly sendKept = (): void => {
    const n = this.keptCount;
    this.keptCount = 0;
    const replica = (this.replicaJson ??= JSON.stringify(this.keys.replicaId));
    for (let i = 0; i < n; i++) {
      const at = this.keptAt[i];
      // What JSON.stringify makes of such a StoredRecord, made by hand.
      const record = `{"s":${this.keptDue[i]},"b":${at},"f":${at},"o":"succeeded","r":${replica}}`;
      this.send(this.keptTasks[i], record, 's', String(at));
    }
  };

  /**
   * Deletes the task's history and state once the records already made are
   * answered: a NOSCRIPT retry of one would otherwise land after the DEL.
   * @returns false when `stillGone` said no (nothing deleted)
   */
  async forget(task: string, stillGone?: () => boolean): Promise<boolean> {
    if (this.keptCount > 0) this.sendKept();
    await this.batch.settled();
    if (stillGone?.() === false) return false;
    const keys = this.keys;
    await this.batch.run(
      FORGET_TASK_SCRIPT,
      [keys.historyKey(task), keys.stateKey(task)],
      [],
    );
    return true;
  }

  /** See `RedisCoordinator.history`. */
  async read(task: string, limit: number): Promise<RunRecord[]> {
    const count = Math.max(0, Math.min(limit, this.keys.historyKeep));
    if (count === 0) return [];
    const entries = await this.calls.call(
      () => `read the history of ${task}`,
      () => this.client.lrange(this.keys.historyKey(task), 0, count - 1),
    );
    return entries.flatMap((entry) => parseRecord(task, entry));
  }
}

/**
 * The list length at which a task's history is trimmed back to `keep`: up
 * to a quarter (at most 32) more records lie in Redis, never read.
 */
export function historyTrimAt(keep: number): number {
  return keep + Math.min(32, Math.ceil(keep / 4));
}

/** One history entry as stored, back as a RunRecord; nothing for a malformed one. */
function parseRecord(task: string, entry: string): RunRecord[] {
  try {
    const raw = JSON.parse(entry) as StoredRecord;
    const record: RunRecord = {
      task,
      scheduledAt: new Date(raw.s),
      startedAt: raw.b === null ? null : new Date(raw.b),
      finishedAt: raw.f === null ? null : new Date(raw.f),
      outcome: raw.o,
      replica: raw.r,
      attempt: typeof raw.a === 'number' ? raw.a : 1,
      catchUp: raw.c === true,
    };
    if (typeof raw.e === 'string') record.error = raw.e;
    return [record];
  } catch {
    return [];
  }
}
