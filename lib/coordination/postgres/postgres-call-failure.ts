import { AioClockError } from '../../errors/aioclock.error';
import { postgresCoordinationFailed } from '../../aioclock.messages';

// How PostgresCoordinator words a failed statement: a connection failure
// (an outage) or a statement's own error, for one call.

// A failure of the connection, not of the statement (SQL errors carry a
// SQLSTATE code of 5 characters; class 08 is connection exception, 57P0x a
// server shutting down).
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code !== 'string' ||
    code.length !== 5 ||
    code.startsWith('08') ||
    code.startsWith('57P')
  );
}

/** An instant as ISO text (the raw number when it is none). */
export function describeInstant(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString();
}

/** An error's message (the first of an AggregateError's). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0)
    return describeError(error.errors[0]);
  return error instanceof Error
    ? error.message || error.constructor.name
    : String(error);
}

/** Why a bounded statement failed, before it is worded for one call. */
export class CallFailure {
  constructor(
    readonly cause: string,
    readonly error?: unknown,
  ) {}
}

/** The error a call rejects with: `what` failed, and why. */
export function asFailure(what: string, reason: unknown): AioClockError {
  if (reason instanceof AioClockError) return reason;
  const cause =
    reason instanceof CallFailure ? reason.cause : describeError(reason);
  const failed = new AioClockError(postgresCoordinationFailed(what, cause));
  const error = reason instanceof CallFailure ? reason.error : reason;
  if (error !== undefined) failed.cause = error;
  return failed;
}
