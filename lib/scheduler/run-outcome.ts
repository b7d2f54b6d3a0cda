/** What a task's method returned is a promise (or any thenable) to wait for. */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

/** The stack of a thrown `Error`, for the logger; nothing for other values. */
export const stackOf = (error: unknown): string | undefined =>
  error instanceof Error ? error.stack : undefined;
