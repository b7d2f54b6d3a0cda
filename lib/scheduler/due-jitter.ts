import type { TriggerSpec } from '../interfaces/trigger-spec.interface';
import { everyIntervalMs } from '../triggers/every.trigger';
import type { Trigger } from '../triggers/trigger';

/**
 * A number in [0, 1) derived from a task name and a due time (and a salt),
 * the same in every process: FNV-1a over the name, then the due time's
 * digits. Replicas must agree on a jittered start, so no `Math.random`.
 * @param name the task's name
 * @param due the nominal due time, epoch ms
 * @param salt tells apart several draws for one due time (retry attempts)
 */
export function dueFraction(name: string, due: number, salt = 0): number {
  let hash = 0x811c9dc5;
  const key = `${name}\n${due}\n${salt}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // FNV's low bits mix poorly for short keys: finish with a murmur-style avalanche.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

/**
 * `jitter`: how much later than its nominal due time a run starts, in
 * `[0, jitterMs)`, a whole number of ms.
 */
export function jitterOffsetMs(
  name: string,
  due: number,
  jitterMs: number,
): number {
  return Math.floor(dueFraction(name, due) * jitterMs);
}

/** Due times sampled to find a cron or `or` schedule's shortest gap. */
const PERIOD_SAMPLES = 64;

/**
 * The shortest time between two due times of a periodic trigger (`every`,
 * `at`, `cron`, `or`), or `null` for the others. `every` and `at` are
 * arithmetic; a cron or `or` schedule is sampled from `now` on, on a fresh
 * trigger (`or` counts its runs), so irregular schedules such as
 * `0 9,10 * * *` report their shortest gap.
 * @param spec the task's trigger spec
 * @param fresh builds a trigger for the spec that nothing else uses
 * @param now where sampling starts, epoch ms
 */
export function shortestPeriodMs(
  spec: TriggerSpec,
  fresh: () => Trigger,
  now: number,
): number | null {
  switch (spec.type) {
    case 'every':
      return everyIntervalMs(spec);
    case 'at':
      return spec.at === undefined || spec.at === 'every day'
        ? 86_400_000
        : 604_800_000;
    case 'cron':
    case 'or': {
      const trigger = fresh();
      let shortest: number | null = null;
      let due = trigger.first(now);
      for (let i = 0; i < PERIOD_SAMPLES && due !== null; i++) {
        const next = trigger.next(due);
        if (next === null) break;
        if (shortest === null || next - due < shortest) shortest = next - due;
        due = next;
      }
      return shortest;
    }
    default:
      return null;
  }
}
