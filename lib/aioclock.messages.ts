// Every user-facing message, as a small function returning a string, so tests
// can assert on exact messages and wording stays consistent.

/** Renders a bad value the way a user typed it: strings quoted, objects as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
    return String(value);
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export const invalidParameter = (parameter: string, value: unknown, expected: string): string =>
  `invalid ${parameter}: ${formatValue(value)} (expected ${expected})`;

export const unknownParameter = (trigger: string, parameter: string, allowed: readonly string[]): string =>
  `unknown parameter "${parameter}" for ${trigger} (allowed: ${allowed.join(', ')})`;

export const inTask = (task: string, message: string): string => `${task}: ${message}`;

export const taskNotFound = (name: string): string => `No task named "${name}" is registered`;

export const taskTimedOut = (name: string, timeoutMs: number): string =>
  `Task ${name} timed out after ${timeoutMs} ms`;
