import { isConnectionError } from './postgres-call-failure';
import type { PostgresCoordinatorPool } from './postgres-client.interface';

/** A client checked out of a `pg` `Pool`: what one statement needs of it. */
interface CheckedOutClient {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[] }>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  /** Gives the client back; `true` (or an error) destroys it. */
  release(destroy?: boolean | Error): void;
}

/** A `pg` `Pool` (or one built on `pg-pool`): clients checked out in turn. */
interface CheckoutPool {
  connect(): Promise<CheckedOutClient>;
  readonly waitingCount: number;
}

// `waitingCount` tells a pg Pool from a pg Client, whose connect() opens the
// connection itself (and rejects once it is open).
function asCheckoutPool(pool: PostgresCoordinatorPool): CheckoutPool | null {
  return typeof pool.connect === 'function' &&
    typeof (pool as Partial<CheckoutPool>).waitingCount === 'number'
    ? (pool as unknown as CheckoutPool)
    : null;
}

/**
 * Sends one statement, unless `send()` says no when its connection comes:
 * a `pg` Pool's `query` would send it whenever a client frees up, however
 * late, so the client is checked out here and given back unused when the
 * statement is no longer wanted (its caller gave up on it). Anything else
 * (PGlite, a `Client`) is asked at once.
 * @param send called once, right before the statement would go; `false` keeps it back
 * @returns the answer, or null when the statement was never sent
 */
export async function sendUnlessLate(
  pool: PostgresCoordinatorPool,
  text: string,
  values: unknown[],
  send: () => boolean,
): Promise<{ rows: Record<string, unknown>[] } | null> {
  const checkout = asCheckoutPool(pool);
  if (checkout === null) return send() ? pool.query(text, values) : null;
  const client = await checkout.connect();
  if (!send()) {
    client.release();
    return null;
  }
  // A connection lost mid-statement is also emitted as an 'error' event:
  // unheard, it would end the process (the statement rejects with it too).
  const onError = (): void => undefined;
  client.on('error', onError);
  let broken = false;
  try {
    return await client.query(text, values);
  } catch (error) {
    // A statement's own error leaves the connection usable; any other ends it.
    broken = isConnectionError(error);
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
