import type { ScheduleInput } from './schedule-store.interface';

/**
 * The part of a schedule that `upsert` compares, as one canonical JSON
 * string (object keys sorted at every depth), so two upserts of the same
 * content written with keys in another order count as unchanged. Every
 * store compares these strings, so they agree on what "changed" means.
 * @param input the schedule as given to `upsert`
 */
export function scheduleContentKey(input: ScheduleInput): string {
  return canonicalJson({
    handler: input.handler,
    trigger: input.trigger,
    payload: input.payload === undefined ? null : input.payload,
    options: input.options,
    startAt: input.startAt,
    endAt: input.endAt,
    enabled: input.enabled,
  });
}

/**
 * `JSON.stringify` with object keys sorted, and `undefined` members dropped
 * as JSON drops them.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const toJson = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJson === 'function') return sortKeys(toJson.call(value));
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}
