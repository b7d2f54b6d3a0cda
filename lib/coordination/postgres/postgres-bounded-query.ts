import {
  postgresNoAnswer,
  postgresNoConnection,
} from '../../aioclock.messages';
import {
  CallFailure,
  describeError,
  isConnectionError,
} from './postgres-call-failure';
import type { PostgresCoordinatorPool } from './postgres-client.interface';
import { sendUnlessLate } from './postgres-checkout';
import type { WritesInFlight } from '../writes-in-flight';

/** What a bounded statement tells its coordinator. */
export interface StatementWatch {
  /**
   * Told of each outcome: `null` on an answer, the failure on no answer or a
   * connection error (a statement's own error tells nothing).
   */
  reachable(failure: CallFailure | null): void;
  /**
   * Tracks the statement until PostgreSQL answers it, or for one more
   * `timeoutMs` after the client gave up on it: given up on here, it may
   * still commit there.
   */
  readonly answers: WritesInFlight;
}

/**
 * One statement, bounded by `timeoutMs` in real time (it measures the
 * network, not the schedule). Rejects with a CallFailure naming the cause.
 * Still waiting for a pool connection then, it is never sent: sent late, a
 * claim would record a run that never happened.
 */
export function boundedQuery(
  pool: PostgresCoordinatorPool,
  text: string,
  values: unknown[],
  timeoutMs: number,
  watch: StatementWatch,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    let answered!: () => void;
    watch.answers.track(new Promise<void>((done) => (answered = done)));
    let sent = false;
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      const failure = new CallFailure(
        sent ? postgresNoAnswer(timeoutMs) : postgresNoConnection(timeoutMs),
      );
      watch.reachable(failure);
      reject(failure);
      // Sent, it may still commit there; never sent, it never will.
      if (sent) setTimeout(answered, timeoutMs).unref();
      else answered();
    }, timeoutMs);
    sendUnlessLate(pool, text, values, () => (sent = !late)).then(
      (result) => {
        answered();
        clearTimeout(timer);
        // Kept back (late): no answer, nothing learnt of the server.
        if (result === null) return;
        watch.reachable(null);
        resolve(result.rows);
      },
      (error: unknown) => {
        answered();
        clearTimeout(timer);
        const failure = new CallFailure(describeError(error), error);
        if (isConnectionError(error)) watch.reachable(failure);
        reject(failure);
      },
    );
  });
}
