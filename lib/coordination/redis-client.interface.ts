/**
 * The part of an `ioredis` client (`Redis` or `Cluster`) that
 * `RedisCoordinator` uses. Written out structurally instead of importing
 * ioredis's types, so the published declarations compile for users who do not
 * install the optional `ioredis` peer; an ioredis `Redis` or `Cluster` fits it.
 */
export interface RedisCoordinatorClient {
  /** The connection state; `'ready'` (or `'wait'` for a lazyConnect client) before sending, `'end'` once closed. */
  readonly status: string;
  /** `SET key value PX ms NX`: resolves `'OK'` when the key was created, `null` when it existed. */
  set(
    key: string,
    value: string,
    millisecondsToken: 'PX',
    milliseconds: number,
    nx: 'NX',
  ): Promise<'OK' | null>;
  /** `EVAL script numKeys ...keysAndArgs`: resolves to the script's reply. */
  eval(
    script: string,
    numKeys: number,
    ...keysAndArgs: (string | number)[]
  ): Promise<unknown>;
  /** Calls `listener` once, on the next `'ready'` event. */
  once(event: 'ready', listener: () => void): unknown;
  /** `EVALSHA sha numKeys ...keysAndArgs`: rejects with NOSCRIPT when the script is not cached. */
  evalsha(
    sha: string,
    numKeys: number,
    ...keysAndArgs: (string | number)[]
  ): Promise<unknown>;
  /** `LRANGE key start stop`. */
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  /** `HMGET key ...fields`. */
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  /** A pipeline (one round trip); used when present and not a Cluster client. */
  pipeline?(): RedisCoordinatorPipeline;
  /** A new connection with the same options, for the membership channel. */
  duplicate?(): RedisCoordinatorSubscriber;
  /** `true` on an ioredis `Cluster`, whose pipelines must stay on one node. */
  readonly isCluster?: boolean;
  /** ioredis's options: their `db` (a number) names the pub/sub channels' database (`redis-channels.ts`). */
  readonly options?: unknown;
}

/** The pipeline calls `RedisCoordinator` batches its claims with. */
export interface RedisCoordinatorPipeline {
  evalsha(
    sha: string,
    numKeys: number,
    ...keysAndArgs: (string | number)[]
  ): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** The subscriber connection calls the membership uses. */
export interface RedisCoordinatorSubscriber {
  subscribe(channel: string): Promise<unknown>;
  on(
    event: 'message',
    listener: (channel: string, text: string) => void,
  ): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  /** Each (re)connection; ioredis subscribes again to its channels then. */
  on(event: 'ready', listener: () => void): unknown;
  disconnect(): void;
}
