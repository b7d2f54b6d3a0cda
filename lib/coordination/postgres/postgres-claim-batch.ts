import type { ClaimAnswer } from '../coordinator.interface';
import { encodeSignal, holdsBusyDueTimes } from '../cluster-signals';
import {
  claimBatchSql,
  PG_CLAIM_BUSY,
  PG_CLAIM_WON,
  runEndedSql,
} from './postgres-statements';
import { WritesInFlight } from '../writes-in-flight';

// `encodeSignal('ended', task)` is this prefix and the task's name.
const SIGNAL_ENDED_PREFIX = encodeSignal('ended', '');

/** One claim waiting for its due time's statement. */
export interface PendingClaim {
  task: string;
  maxLoops: number;
  /** The task's count starts with the due times from then (`reschedule`, epoch ms); 0: the generation's. */
  loopsFrom: number;
  marks: boolean;
  /** A busy answer is held for later (bufferOne, bufferAll, cancelOther), not skipped. */
  holds: boolean;
  ttl: number;
  resolve: (answer: ClaimAnswer) => void;
  reject: (error: unknown) => void;
}

/** What the batch needs of its coordinator. */
export interface PostgresClaimBatchHost {
  readonly schema: string;
  readonly replicaId: string;
  readonly leaseTtlMs: number;
  /** The membership's notification channel (ended runs are signalled on it). */
  channel(): string;
  /** The overlap policy of a declared task. */
  overlapOf(task: string): string | undefined;
  /** One bounded statement. */
  query(text: string, values: unknown[]): Promise<Record<string, unknown>[]>;
}

/**
 * The claims one replica makes in one turn, sent as ONE statement per due
 * time (an insert of all of them, returning those it won), after one
 * statement dropping the running marks of the runs that ended meanwhile.
 */
export class PostgresClaimBatch {
  /** Claims of this turn, by due time. */
  private pending = new Map<number, PendingClaim[]>();
  /** Running marks to drop before the next claims. */
  private ended = new Set<string>();
  private flushQueued = false;
  /** Batches sent and not yet answered (`settled`). */
  private readonly sending = new WritesInFlight();

  /** @param host the coordinator */
  constructor(private readonly host: PostgresClaimBatchHost) {}

  /** Resolves once the claims queued so far are answered (or failed). */
  async settled(): Promise<void> {
    if (this.flushQueued) await new Promise((resolve) => setImmediate(resolve));
    await this.sending.settled();
  }

  /** Queues a claim of the run due at `dueAt`; resolves with its answer. */
  claim(
    dueAt: number,
    claim: Omit<PendingClaim, 'resolve' | 'reject'>,
  ): Promise<ClaimAnswer> {
    return new Promise<ClaimAnswer>((resolve, reject) => {
      let batch = this.pending.get(dueAt);
      if (batch === undefined) this.pending.set(dueAt, (batch = []));
      batch.push({ ...claim, resolve, reject });
      this.queueFlush();
    });
  }

  /** Drops this replica's running mark of `task` before the next claims. */
  runEnded(task: string): void {
    this.ended.add(task);
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // The runs of one due time are claimed in one pass; waiting for the end
    // of this turn also gathers claims that awaited a settled promise first.
    setImmediate(() => {
      this.flushQueued = false;
      this.sending.track(this.flush());
    });
  }

  private async flush(): Promise<void> {
    const host = this.host;
    const batches = this.pending;
    this.pending = new Map();
    const ended = [...this.ended];
    this.ended.clear();
    // Marks of ended runs go first, so a claim of this turn is not freed by them.
    if (ended.length > 0)
      await host
        .query(runEndedSql(host.schema), [
          host.replicaId,
          ended,
          host.channel(),
          SIGNAL_ENDED_PREFIX,
          // Owners holding a due time for these runs wait for the signal.
          ended.filter((task) => holdsBusyDueTimes(host.overlapOf(task))),
        ])
        .catch(() => undefined);
    await Promise.all(
      [...batches].map(([dueAt, claims]) => this.send(dueAt, claims)),
    );
  }

  private send(dueAt: number, queued: PendingClaim[]): Promise<void> {
    // One row per task: a second claim of the same due time (two backfills
    // at once) would fail the whole statement; it loses to the first.
    const claims: PendingClaim[] = [];
    const tasks = new Set<string>();
    for (const claim of queued)
      if (tasks.has(claim.task)) claim.resolve(false);
      else {
        tasks.add(claim.task);
        claims.push(claim);
      }
    const host = this.host;
    return host
      .query(claimBatchSql(host.schema), [
        claims.map((c) => c.task),
        claims.map((c) => c.maxLoops),
        claims.map((c) => c.marks),
        dueAt,
        host.replicaId,
        claims.map((c) => c.ttl),
        host.leaseTtlMs,
        claims.map((c) => c.holds),
        claims.map((c) => c.loopsFrom),
      ])
      .then(
        (rows) => {
          const answers = new Map<string, number>();
          for (const row of rows)
            answers.set(String(row.task), Number(row.answer));
          for (const claim of claims) {
            const answer = answers.get(claim.task);
            claim.resolve(
              answer === PG_CLAIM_WON
                ? true
                : answer === PG_CLAIM_BUSY
                  ? 'busy'
                  : false,
            );
          }
        },
        (error: unknown) => claims.forEach((claim) => claim.reject(error)),
      );
  }
}
