/**
 * `value instanceof type`, or `false` when the check itself throws: a task
 * may throw or reject with anything, a revoked Proxy included, whose
 * prototype cannot be read.
 */
export function isInstance<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}
