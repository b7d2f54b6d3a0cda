import {
  coordinationFailed,
  redisClientClosed,
  redisNoAnswer,
} from '../aioclock.messages';
import { AioClockError } from '../errors/aioclock.error';
import type { RedisCoordinatorClient } from './redis-client.interface';

/**
 * Every Redis call of the coordinator, bounded by `claimTimeoutMs` (waiting
 * for the connection included) and sent only on a ready connection, so an
 * outage does not fill ioredis's offline queue with claims nobody waits for
 * any more. The bound is real time on purpose: it measures the network, not
 * the schedule.
 */
export class RedisBoundedCalls {
  // Calls waiting for the connection to become ready; one 'ready' listener serves them all.
  private readonly waitingForReady = new Set<() => void>();
  private listeningForReady = false;

  /**
   * @param client the caller's ioredis client
   * @param timeoutMs the bound on each call (`claimTimeoutMs`)
   */
  constructor(
    private readonly client: RedisCoordinatorClient,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends one command; rejects with an `AioClockError` naming `what`.
   * @param what the call in words, built only when it fails
   */
  call<T>(what: () => string, command: () => Promise<T>): Promise<T> {
    return this.send(command).catch((error: unknown) => {
      throw asFailure(what(), error);
    });
  }

  /** As `call`, rejecting with a `CallFailure` (the cause) instead of the message. */
  send<T>(command: () => Promise<T>): Promise<T> {
    const client = this.client;
    if (client.status === 'end')
      return Promise.reject(new CallFailure(redisClientClosed()));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        this.waitingForReady.delete(start);
        return true;
      };
      const start = (): void => {
        if (settled) return;
        let reply: Promise<T>;
        try {
          reply = command();
        } catch (error) {
          reply = Promise.reject(error);
        }
        reply.then(
          (value) => settle() && resolve(value),
          (error: unknown) =>
            settle() && reject(new CallFailure(describeError(error), error)),
        );
      };
      const timer = setTimeout(() => {
        if (settle())
          reject(new CallFailure(redisNoAnswer(this.timeoutMs, client.status)));
      }, this.timeoutMs);
      // 'wait' is a lazyConnect client: its first command is what connects it.
      if (client.status === 'ready' || client.status === 'wait') start();
      else this.whenReady(start);
    });
  }

  private whenReady(callback: () => void): void {
    this.waitingForReady.add(callback);
    if (this.listeningForReady) return;
    this.listeningForReady = true;
    this.client.once('ready', () => {
      this.listeningForReady = false;
      const callbacks = [...this.waitingForReady];
      this.waitingForReady.clear();
      for (const callback of callbacks) callback();
    });
  }
}

/** A due time as an ISO instant (the raw number when it is not one). */
export function describeInstant(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString();
}

/**
 * The `AioClockError` a failed call rejects with.
 * @param what the call in words (`claim Jobs.a due at …`)
 * @param reason a `CallFailure`, an `AioClockError` (kept as it is) or anything thrown
 */
export function asFailure(what: string, reason: unknown): AioClockError {
  if (reason instanceof AioClockError) return reason;
  return reason instanceof CallFailure
    ? failure(what, reason.cause, reason.error)
    : failure(what, describeError(reason), reason);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a bounded call failed, before it is worded for one claim or lease. */
class CallFailure {
  constructor(
    readonly cause: string,
    readonly error?: unknown,
  ) {}
}

function failure(what: string, cause: string, error?: unknown): AioClockError {
  const failed = new AioClockError(coordinationFailed(what, cause));
  if (error !== undefined) failed.cause = error;
  return failed;
}
