import { postgresNoAnswer } from '../../aioclock.messages';
import {
  CallFailure,
  describeError,
  isConnectionError,
} from './postgres-call-failure';
import type { PostgresCoordinatorPool } from './postgres-client.interface';

/**
 * One statement, bounded by `timeoutMs` in real time (it measures the
 * network, not the schedule). Rejects with a CallFailure naming the cause.
 * @param reachable told of each outcome: `null` on an answer, the failure on
 *   no answer or a connection error (a statement's own error tells nothing)
 */
export function boundedQuery(
  pool: PostgresCoordinatorPool,
  text: string,
  values: unknown[],
  timeoutMs: number,
  reachable: (failure: CallFailure | null) => void,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const failure = new CallFailure(postgresNoAnswer(timeoutMs));
      reachable(failure);
      reject(failure);
    }, timeoutMs);
    let reply: Promise<{ rows: Record<string, unknown>[] }>;
    try {
      reply = pool.query(text, values);
    } catch (error) {
      reply = Promise.reject(error);
    }
    reply.then(
      (result) => {
        clearTimeout(timer);
        reachable(null);
        resolve(result.rows);
      },
      (error: unknown) => {
        clearTimeout(timer);
        const failure = new CallFailure(describeError(error), error);
        if (isConnectionError(error)) reachable(failure);
        reject(failure);
      },
    );
  });
}
