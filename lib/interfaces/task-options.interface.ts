/** What happens when a run is due while the previous run of the same task is still going. */
export type OverlapPolicy =
  'skip' | 'bufferOne' | 'bufferAll' | 'cancelOther' | 'allow';

/** Which due times missed while no replica ran the task are fired when one takes it (durable coordinators). */
export type CatchUpPolicy = 'none' | 'latest' | 'all';

/** How long a failed run waits before it is tried again. */
export interface RetryBackoffOptions {
  /** `fixed`: `delayMs` every time; `exponential`: `delayMs`, then doubling. */
  type: 'fixed' | 'exponential';
  /** ms before the first retry (>= 0). */
  delayMs: number;
  /** ms no delay exceeds. @default none */
  maxDelayMs?: number;
  /** 0–1: each delay is shortened by up to this fraction, the same on every replica. @default 0 */
  jitter?: number;
}

/** Tries a failed or timed-out run again, for the same due time. */
export interface RetryOptions {
  /** Tries in all, the first included (an integer >= 1). @default 1 */
  attempts: number;
  /** @default no delay */
  backoff?: RetryBackoffOptions;
}

/** Options every trigger decorator takes as its last argument. */
export interface TaskOptions {
  /** Unique task name. @default 'Class.method' */
  name?: string;
  /** Milliseconds before the run's `signal` is aborted and the run counts as failed. @default the group's timeout, else none */
  timeout?: number;
  /** @default 'skip' */
  overlap?: OverlapPolicy;
  /** `false` lists the task but never fires it. @default true */
  enabled?: boolean;
  /** Try a failed run again for the same due time, never at or after the task's next due time. @default one attempt */
  retry?: RetryOptions;
  /** ms: each due time starts up to this much later, by an offset derived from (name, due time). @default 0 */
  jitter?: number;
  /** Due times before this instant do not exist. @default none */
  startAt?: Date | string;
  /** Due times after this instant do not exist; past it the task is finished. @default none */
  endAt?: Date | string;
  /** Pause the task after this many consecutive failed runs (after retries). @default never */
  pauseOnFailure?: number;
  /**
   * Under a durable coordinator, due times missed while no replica ran the
   * task (all stopped, an owner that died) are fired when a replica starts or
   * takes the task over: `'latest'` the most recent one inside
   * `catchUpWindow`, `'all'` each one inside it (oldest first, at most 1 000),
   * `'none'` none. The others are recorded as `missed`. Timed tasks only.
   * @default 'latest'
   */
  catchUp?: CatchUpPolicy;
  /** ms: how far back catch-up looks (from the moment a replica takes the task). @default 86 400 000 (a day) */
  catchUpWindow?: number;
}
