/**
 * What `PostgresCoordinator` needs from its `pool`: `pg`'s
 * `query(text, values)` answering `{ rows }`. Written out structurally so the
 * published declarations compile without the optional `pg` peer; a `pg`
 * `Pool` or `Client` fits it, and so does a PGlite instance.
 */
export interface PostgresCoordinatorPool {
  /** Runs one statement with `$1…` parameters; resolves to its rows. */
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  /**
   * `pg` `Pool`: a dedicated client for `LISTEN`, so other replicas' changes
   * wake this one at once. Without it (or PGlite's `listen`), heartbeats alone
   * refresh the view.
   */
  connect?(): Promise<PostgresListenClient>;
  /** PGlite: subscribes to a channel; resolves to the unsubscribe function. */
  listen?(
    channel: string,
    callback: (payload: string) => void,
  ): Promise<() => Promise<void>>;
}

/** The part of a `pg` `PoolClient` the `LISTEN` connection uses. */
export interface PostgresListenClient {
  query(text: string): Promise<unknown>;
  on(
    event: 'notification',
    listener: (message: { channel: string; payload?: string }) => void,
  ): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  /** Gives the client back to the pool; `true` (an error) destroys it. */
  release(destroy?: boolean | Error): void;
}
