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
}
