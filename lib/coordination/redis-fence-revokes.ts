import { encodeSignal } from './cluster-signals';
import { CLAIM_WAIT, PUBLISH_SCRIPT } from './redis-cluster.scripts';
import type { RedisScriptBatch } from './redis-script-batch';

/**
 * A claim waiting for a revoked fence asks Redis again at least this often
 * (ms): the holder's `unfenced` signal may be lost, or never come (it had
 * started its run on the fence, or died).
 */
export const FENCE_REVOKE_POLL_MS = 100;

/** What the waiting claims need of the coordinator. */
export interface RedisFenceRevokesHost {
  readonly batch: RedisScriptBatch;
  /** The membership's channel (the signals ride it). */
  channel(): string;
}

/** What `settle` answers for a claim given up because its member leaves (`stop`). */
export const CLAIM_GIVEN_UP = Symbol('claim given up');

/** True for a claim script's `{CLAIM_WAIT, ms}` answer. */
export function isClaimWait(reply: unknown): reply is [number, number] {
  return Array.isArray(reply) && reply[0] === CLAIM_WAIT;
}

/**
 * The side of a claim that found another member's fence taken ahead on its
 * task (`CLAIM_SCRIPT`): the holder runs that due time without asking Redis,
 * so a run must not start here while it may. The script revoked the fence
 * and holds the task's running key; this tells the holder (`revoke`: it gives
 * the fence back unused, announced by `unfenced`) and waits for that, asking
 * again at least every `FENCE_REVOKE_POLL_MS` until the fence is given back,
 * confirmed (the holder had started: busy here) or expired. The cost falls on
 * the rare claim that meets a fence (a backfill, a catch-up), not on the
 * holder's common path, which stays without a round trip.
 */
export class RedisFenceRevokes {
  /** Per task, the claims waiting for its fence to go. */
  private readonly waiting = new Map<string, Set<() => void>>();
  /** The member leaves: no claim waits any more. */
  private stopped = false;

  /** @param host the coordinator */
  constructor(private readonly host: RedisFenceRevokesHost) {}

  /**
   * Follows a claim's answer: while it is `{CLAIM_WAIT, ms}`, asks the holder
   * to give the fence of `task` back, waits, and asks again (`again`).
   * @returns the first answer that is not a wait, or `CLAIM_GIVEN_UP` once
   *   the member leaves (its run must not start then)
   */
  async settle(
    task: string,
    reply: unknown,
    again: () => Promise<unknown>,
  ): Promise<unknown> {
    while (isClaimWait(reply)) {
      if (this.stopped) return CLAIM_GIVEN_UP;
      this.host.batch.post(
        PUBLISH_SCRIPT,
        [],
        [this.host.channel(), encodeSignal('revoke', task)],
      );
      await this.wait(task, reply[1]);
      if (this.stopped) return CLAIM_GIVEN_UP;
      reply = await again();
    }
    return reply;
  }

  /** The member leaves: every waiting claim gives up now, and any later one at once. */
  stop(): void {
    this.stopped = true;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiters of waiting) for (const done of waiters) done();
  }

  /** The holder of `task`'s fence gave it back: its waiting claims ask again now. */
  unfenced(task: string): void {
    const waiters = this.waiting.get(task);
    if (waiters === undefined) return;
    this.waiting.delete(task);
    for (const done of waiters) done();
  }

  /** Resolves on `unfenced`, or after `ms` (the fence's life), at most `FENCE_REVOKE_POLL_MS`. */
  private wait(task: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiting.get(task);
      if (waiters === undefined) {
        waiters = new Set();
        this.waiting.set(task, waiters);
      }
      const done = (): void => {
        clearTimeout(timer);
        const current = this.waiting.get(task);
        if (current?.delete(done) === true && current.size === 0)
          this.waiting.delete(task);
        resolve();
      };
      // The fence expires after `ms`: one more so it is gone when asked.
      const timer = setTimeout(
        done,
        Math.min(Math.max(ms, 0) + 1, FENCE_REVOKE_POLL_MS),
      );
      timer.unref();
      waiters.add(done);
    });
  }
}
