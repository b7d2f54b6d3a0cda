import type { EverySpec } from '../interfaces/trigger-spec.interface';
import type { Trigger } from './trigger';

/** Milliseconds per `@Every` unit. */
const UNIT_MS = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
} as const;

/** The `@Every` units, in the order messages list them. */
export const EVERY_UNITS = Object.keys(
  UNIT_MS,
) as readonly (keyof typeof UNIT_MS)[];

/**
 * The interval of an `every` spec in milliseconds: the units add up.
 * Fractional units are allowed as long as the total is a whole number of
 * milliseconds (`{ seconds: 0.5 }` is 500 ms); float noise such as
 * `1.1 * 1000 = 1100.0000000000002` is rounded away. Assumes a validated spec.
 * @param spec a validated `every` spec
 */
export function everyIntervalMs(spec: EverySpec): number {
  let total = 0;
  for (const unit of EVERY_UNITS) {
    const value = spec[unit];
    if (value !== undefined) total += value * UNIT_MS[unit];
  }
  return Math.round(total);
}

/** The raw (unrounded) sum of an `every` spec's units, for validation. */
export function everyRawTotalMs(spec: EverySpec): number {
  let total = 0;
  for (const unit of EVERY_UNITS) {
    const value = spec[unit];
    if (typeof value === 'number') total += value * UNIT_MS[unit];
  }
  return total;
}

/**
 * Fixed rate: run k is due at `start + k·interval` (`immediate`: k = 0, 1, …;
 * `wait`: k = 1, 2, …), so a slow run never shifts later runs. With
 * `alignToEpoch` the due times are the multiples of the interval since the
 * epoch instead, so replicas started at different moments agree on them.
 */
export class EveryTrigger implements Trigger {
  /**
   * @param intervalMs the interval, a positive whole number of ms
   * @param immediate fire at start (`'immediate'`) rather than one interval later
   * @param alignToEpoch use multiples of the interval since the epoch
   */
  constructor(
    readonly intervalMs: number,
    readonly immediate: boolean,
    readonly alignToEpoch: boolean,
  ) {}

  /** @inheritdoc */
  first(now: number): number {
    const interval = this.intervalMs;
    if (!this.alignToEpoch) return this.immediate ? now : now + interval;
    const floor = Math.floor(now / interval) * interval;
    // 'immediate' takes the multiple at or after now, 'wait' the one strictly after.
    return this.immediate && floor === now ? now : floor + interval;
  }

  /** @inheritdoc */
  next(previous: number): number {
    return previous + this.intervalMs;
  }

  /** @inheritdoc */
  lastAtOrBefore(from: number, now: number): { due: number; passed: number } {
    const passed = Math.max(0, Math.floor((now - from) / this.intervalMs));
    return { due: from + passed * this.intervalMs, passed };
  }
}
