// Turning an arbitrary thrown value into text. These run inside events$
// subscribers and failure reporting, where a throw would crash the process
// (rxjs rethrows a subscriber's error from a timer) or leave a waiter hanging,
// so every step that can run user code (getters, toString, toJSON, Proxy
// traps) is guarded and each fallback is more basic than the one before.

/** What is shown when nothing about a value can be read safely. */
const UNREADABLE = 'an unreadable value';

/** Longest error text the dashboard and the health details keep. */
export const ERROR_TEXT_MAX_LENGTH = 2_000;

/**
 * A value the way a user typed it: strings quoted, objects as JSON, `10n` for
 * a BigInt. Never throws, whatever the value (cycles, null-prototype objects,
 * throwing getters or Proxy traps, Symbols).
 * @param value anything
 */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value);
      case 'number':
      case 'boolean':
      case 'undefined':
      case 'symbol':
        // String() of a Symbol uses no user code (a template literal throws).
        return String(value);
      case 'bigint':
        return `${value}n`;
      case 'function': {
        const name: unknown = (value as { name?: unknown }).name;
        return `[function ${typeof name === 'string' && name !== '' ? name : 'anonymous'}]`;
      }
      default:
        return value === null ? 'null' : describeObject(value as object);
    }
  } catch {
    return UNREADABLE;
  }
}

/**
 * The text of whatever a task threw: an `Error`'s message, or the value
 * itself (see `describeValue`). An `Error` whose message is not a string is
 * shown as `Error (message: null)`. Never throws.
 * @param error anything that was thrown or passed to `reject`
 * @param maxLength longer texts are cut and end in `…` @default no limit
 */
export function describeError(error: unknown, maxLength = Infinity): string {
  let text: string;
  try {
    text = errorText(error);
  } catch {
    // instanceof (a Proxy's getPrototypeOf trap) or a message getter threw.
    text = describeValue(error);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return describeValue(error);
  let message: unknown;
  try {
    message = error.message;
  } catch {
    return `${errorName(error)} (message unreadable)`;
  }
  if (typeof message === 'string') return message;
  return `${errorName(error)} (message: ${describeValue(message)})`;
}

function errorName(error: Error): string {
  try {
    const name: unknown = error.name;
    if (typeof name === 'string' && name !== '') return name;
  } catch {
    // A throwing name getter: fall through to the generic name.
  }
  return 'Error';
}

function describeObject(value: object): string {
  try {
    // undefined when toJSON returns nothing.
    const json: unknown = JSON.stringify(value);
    if (typeof json === 'string') return json;
  } catch {
    // A cycle, a BigInt inside, a throwing getter or toJSON: try the next form.
  }
  try {
    // What the value says of itself, e.g. a custom toString().
    return String(value);
  } catch {
    // No toString (null prototype) or one that throws.
  }
  try {
    return Object.prototype.toString.call(value);
  } catch {
    // A Proxy whose get trap throws on Symbol.toStringTag.
    return UNREADABLE;
  }
}
