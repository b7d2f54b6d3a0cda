/** What a task's method returned is a promise (or any thenable) to wait for. */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

/** The stack of a thrown `Error`, for the logger; nothing for other values. */
export function stackOf(error: unknown): string | undefined {
  try {
    const stack = error instanceof Error ? error.stack : undefined;
    return typeof stack === 'string' ? stack : undefined;
  } catch {
    // A Proxy's getPrototypeOf trap or a stack getter threw.
    return undefined;
  }
}
