import { encodeSignal } from './cluster-signals';
import {
  CLAIM_AHEAD_RELEASE_SCRIPT,
  CLAIM_AHEAD_SCRIPT,
} from './redis-cluster.scripts';
import type { RedisScriptBatch } from './redis-script-batch';
import type { RedisTaskKeys } from './redis-task-keys';

/** A fence taken ahead is used at most this long after its due time (then claimed as usual). */
export const CLAIM_AHEAD_LATE_MS = 1_000;

/** A fence taken ahead of its due time. */
interface AheadClaim {
  due: number;
  /** `performance.now()` until which it may be used. */
  usableUntil: number;
  /** The answer: null while in flight. */
  won: boolean | null;
  answer: Promise<unknown>;
}

/** What fencing ahead needs of the coordinator. */
export interface RedisClaimsAheadHost {
  readonly replicaId: string;
  readonly claimTimeoutMs: number;
  /** Only tasks due at least this often are fenced ahead (a crash loses the fenced due time). */
  readonly heartbeatMs: number;
  readonly keys: RedisTaskKeys;
  readonly batch: RedisScriptBatch;
  /** True while the membership view may be trusted (self-fencing). */
  fresh(): boolean;
  /** The membership's channel (a revoked fence given back is announced on it). */
  channel(): string;
}

/**
 * Claims sent ahead: when a member wins the claim of the due time of a task
 * due at least every `heartbeatMs`, it fences the next one at once (`CLAIM_AHEAD_SCRIPT`), so when
 * that one comes its run starts without waiting for Redis; the claim that
 * confirms it (state, running key) goes in the batch after the start. This
 * takes the claim's round trip — which waits behind every replica's scripts
 * when thousands of tasks are due together — off the critical path.
 *
 * Why it stays exactly once: the fence is the same key a claim would write,
 * so nobody else claims that due time while it holds; its expiry is the
 * period + `CLAIM_AHEAD_LATE_MS` + `claimTimeoutMs` after it was sent, and
 * it is used only up to `CLAIM_AHEAD_LATE_MS` after its due time (by the
 * monotonic clock, from when it was sent), so the confirming claim lands
 * before the fence could expire. It is used only while the membership view
 * is fresh, and whoever owns the task by then: the holder runs it. A member
 * that leaves, or stops declaring a task, gives its fences back first. A
 * member that dies loses the due time it fenced ahead: one per task, due
 * within a heartbeat of its last claim, so inside the time its tasks wait
 * for a new owner anyway. A fence is never taken over: a run could already
 * have started on it.
 *
 * Why overlap holds across replicas: a fence is refused while another
 * replica's run of the task is in flight, and a claim elsewhere that would
 * start one while the fence holds revokes it (`CLAIM_SCRIPT`) and waits
 * (`redis-fence-revokes.ts`): told, the holder gives the fence back unused
 * and claims that due time as usual when it comes, which then finds the
 * other run busy; had it started on the fence already, its confirmation
 * takes the running key and the waiting claim is busy instead.
 */
export class RedisClaimsAhead {
  private readonly held = new Map<string, AheadClaim>();
  /** `afterPass` calls waiting for the batch to be sent: task, due, period, overlap, maxLoops. */
  private waiting: (string | number | null)[] = [];

  /** @param host the coordinator */
  constructor(private readonly host: RedisClaimsAheadHost) {}

  /**
   * After a won claim of `task` at `due`: fences its next due time when the
   * task qualifies (a period up to `heartbeatMs`, overlap
   * `skip` or `allow`, no `maxLoopCount`).
   */
  after(
    task: string,
    due: number,
    periodMs: number | null,
    overlap: string,
    maxLoops: number,
  ): void {
    if (
      periodMs === null ||
      !(periodMs > 0) ||
      periodMs > this.host.heartbeatMs ||
      maxLoops > 0 ||
      (overlap !== 'skip' && overlap !== 'allow')
    )
      return;
    const host = this.host;
    const next = due + periodMs;
    const previous = this.held.get(task);
    if (previous !== undefined && previous.due !== next)
      void this.release(task, previous);
    const entry: AheadClaim = {
      due: next,
      usableUntil: performance.now() + periodMs + CLAIM_AHEAD_LATE_MS,
      won: null,
      answer: host.batch
        .run(
          CLAIM_AHEAD_SCRIPT,
          [host.keys.claim(task, next), host.keys.running(task)],
          [
            host.replicaId,
            periodMs + CLAIM_AHEAD_LATE_MS + host.claimTimeoutMs,
            overlap,
            next,
          ],
        )
        .then(
          (reply) => (entry.won = reply === 1),
          () => (entry.won = false),
        ),
    };
    this.held.set(task, entry);
  }

  /**
   * `after`, made when this turn's batch is sent: a run started by a fence
   * taken ahead (inside a dispatch pass) leaves fencing its next due time
   * until the pass's last run has started. The fence's expiry and last use
   * are then counted from the same later moment, so nothing is lost.
   */
  afterPass(
    task: string,
    due: number,
    periodMs: number | null,
    overlap: string,
    maxLoops: number,
  ): void {
    if (this.waiting.length === 0)
      this.host.batch.beforeSend(this.fenceWaiting);
    this.waiting.push(task, due, periodMs, overlap, maxLoops);
  }

  private readonly fenceWaiting = (): void => {
    const w = this.waiting;
    this.waiting = [];
    for (let i = 0; i < w.length; i += 5)
      this.after(
        w[i] as string,
        w[i + 1] as number,
        w[i + 2] as number | null,
        w[i + 3] as string,
        w[i + 4] as number,
      );
  };

  /**
   * The fence of `task` at `due` if this replica took it ahead: resolves
   * `true` when the run may start now (the caller confirms it), `false` when
   * the due time must be claimed as usual; `undefined` when none is held.
   */
  take(task: string, due: number): Promise<boolean> | undefined {
    const entry = this.held.get(task);
    if (entry === undefined) return undefined;
    if (entry.due !== due) {
      // A due time that never came (a pass skipped it): give it back.
      if (entry.due < due) void this.release(task, entry);
      return undefined;
    }
    this.held.delete(task);
    if (entry.won !== null) return Promise.resolve(this.usable(task, entry));
    return entry.answer.then(() => this.usable(task, entry));
  }

  /**
   * Like `take`, without a promise, for a fence whose answer is in: `true`
   * when the run may start now, `false` when it must be claimed as usual
   * (the fence was lost, is too late, or is given back); `undefined` when no
   * answered fence of `task` at `due` is held (nothing is taken then).
   */
  takeAnswered(task: string, due: number): boolean | undefined {
    const entry = this.held.get(task);
    if (entry === undefined || entry.due !== due || entry.won === null)
      return undefined;
    this.held.delete(task);
    return this.usable(task, entry);
  }

  /** True when a fence of `task` at `due` is held (or being taken) here. */
  holds(task: string, due: number): boolean {
    return this.held.get(task)?.due === due;
  }

  /** Gives back every fence held ahead (the member leaves); resolves when sent. */
  async releaseAll(): Promise<void> {
    // Not fenced yet: never will be.
    this.waiting = [];
    const releases: Promise<unknown>[] = [];
    for (const [task, entry] of this.held)
      releases.push(this.release(task, entry));
    await Promise.all(releases);
  }

  /**
   * Gives back unused the fence held for `task`, so its due time is claimed
   * as usual: another replica revoked it (it would start a run of the task),
   * or the task was rescheduled here (its count restarts; the old trigger's
   * due time must not run unchecked). One whose run has started is not held
   * any more: its confirmation decides.
   */
  giveBack(task: string): void {
    const entry = this.held.get(task);
    if (entry !== undefined) void this.release(task, entry);
    if (this.waiting.includes(task)) {
      const w = this.waiting;
      this.waiting = [];
      for (let i = 0; i < w.length; i += 5)
        if (w[i] !== task) this.waiting.push(...w.slice(i, i + 5));
    }
  }

  /** Gives back the fences of tasks no longer in `declared`. */
  keepOnly(declared: ReadonlyMap<string, unknown>): void {
    this.fenceWaiting();
    for (const [task, entry] of this.held)
      if (!declared.has(task)) void this.release(task, entry);
  }

  private usable(task: string, entry: AheadClaim): boolean {
    if (entry.won !== true) return false;
    if (performance.now() < entry.usableUntil && this.host.fresh()) return true;
    // Too late to be sure the confirmation lands in time: claimed as usual.
    void this.release(task, entry);
    return false;
  }

  private release(task: string, entry: AheadClaim): Promise<unknown> {
    if (this.held.get(task) === entry) this.held.delete(task);
    if (entry.won === false) return Promise.resolve();
    const host = this.host;
    return host.batch
      .run(
        CLAIM_AHEAD_RELEASE_SCRIPT,
        [host.keys.claim(task, entry.due), host.keys.ahead(task)],
        [
          host.replicaId,
          entry.due,
          host.channel(),
          encodeSignal('unfenced', task),
        ],
      )
      .catch(() => undefined);
  }
}
