import type { RetryOptions } from '../interfaces/task-options.interface';
import { dueFraction } from './due-jitter';

/**
 * `retry`, worked out once per task that has one: how many tries a due time
 * gets and how long each retry waits. A delay is `delayMs` (`fixed`) or
 * `delayMs · 2^(n−1)` before the n-th retry (`exponential`), capped at
 * `maxDelayMs`, then shortened by up to `jitter` of itself — by a fraction
 * derived from (task, due time, attempt), so every replica computes the same.
 */
export class RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  private readonly exponential: boolean;
  private readonly delayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;

  /** @param options the task's validated `retry` option */
  constructor(options: RetryOptions) {
    this.attempts = options.attempts;
    const backoff = options.backoff;
    this.exponential = backoff?.type === 'exponential';
    this.delayMs = backoff?.delayMs ?? 0;
    this.maxDelayMs = backoff?.maxDelayMs ?? Infinity;
    this.jitter = backoff?.jitter ?? 0;
  }

  /**
   * How long to wait before trying again after try `attempt` failed.
   * @param attempt the try that failed, from 1
   * @param name the task's name
   * @param due the due time being retried, epoch ms
   */
  delayAfter(attempt: number, name: string, due: number): number {
    let delay = this.exponential
      ? this.delayMs * 2 ** (attempt - 1)
      : this.delayMs;
    delay = Math.min(delay, this.maxDelayMs);
    if (this.jitter > 0)
      delay -= delay * this.jitter * dueFraction(name, due, attempt);
    return Math.round(delay);
  }
}
