import { Injectable, Module } from '@nestjs/common';
import fc from 'fast-check';
import {
  AioClockModule,
  Every,
  type EveryParams,
  type TaskContext,
} from '../../lib';
import type { EverySpec } from '../../lib/interfaces/trigger-spec.interface';
import { createTrigger, validateTriggerSpec } from '../../lib/triggers';
import { createTestApp } from '../src/create-app';
import {
  FIRST_INSTANT,
  fcParameters,
  LAST_INSTANT,
} from './reference/cron.arbitraries';

// Written out again on purpose (not imported from lib): the expected values
// must not share the implementation's table.
const UNIT_MS = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};
type Unit = keyof typeof UNIT_MS;
const UNITS = Object.keys(UNIT_MS) as Unit[];

/** Units that add up to a positive whole number of ms: integers, plus half and milli seconds. */
const unitsArb: fc.Arbitrary<Partial<Record<Unit, number>>> = fc
  .record(
    {
      seconds: fc.oneof(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: 20_000 }).map((ms) => ms / 1000),
      ),
      minutes: fc.integer({ min: 0, max: 120 }),
      hours: fc.integer({ min: 0, max: 48 }),
      days: fc.integer({ min: 0, max: 10 }),
      weeks: fc.integer({ min: 0, max: 5 }),
    },
    { requiredKeys: [] },
  )
  .filter((units) => UNITS.some((unit) => (units[unit] ?? 0) > 0));

/** The interval as the API reads it: the units add up. Computed in integer ms, apart from the library. */
function intervalOf(units: Partial<Record<Unit, number>>): number {
  return UNITS.reduce(
    (total, unit) => total + Math.round((units[unit] ?? 0) * UNIT_MS[unit]),
    0,
  );
}

describe('@Every trigger (fixed rate)', () => {
  it('should make run k due at start + k·interval for any units, whatever the first-run strategy', () => {
    fc.assert(
      fc.property(
        unitsArb,
        fc.constantFrom<'wait' | 'immediate' | undefined>(
          'wait',
          'immediate',
          undefined,
        ),
        fc.integer({ min: FIRST_INSTANT, max: LAST_INSTANT }),
        (units, firstRunStrategy, start) => {
          const spec: EverySpec = {
            type: 'every',
            ...units,
            ...(firstRunStrategy ? { firstRunStrategy } : {}),
          };
          validateTriggerSpec(spec);
          const interval = intervalOf(units);
          const trigger = createTrigger(spec, { timeZone: 'UTC' });
          const firstK = firstRunStrategy === 'immediate' ? 0 : 1;
          let due = trigger.first(start);
          for (let k = firstK; k < firstK + 25; k++) {
            expect(due).toBe(start + k * interval);
            due = trigger.next(due as number);
          }
        },
      ),
      fcParameters(300),
    );
  });

  it('should make runs due at the multiples of the interval since the epoch when aligned (replicas agree)', () => {
    fc.assert(
      fc.property(
        unitsArb,
        fc.constantFrom<'wait' | 'immediate'>('wait', 'immediate'),
        fc.integer({ min: FIRST_INSTANT, max: LAST_INSTANT }),
        fc.boolean(),
        (units, firstRunStrategy, instant, onMultiple) => {
          const interval = intervalOf(units);
          // Half the time start exactly on a multiple, where 'wait' and 'immediate' differ.
          const start = onMultiple
            ? Math.floor(instant / interval) * interval
            : instant;
          const trigger = createTrigger(
            { type: 'every', ...units, firstRunStrategy },
            { timeZone: 'UTC', alignToEpoch: true },
          );
          const atOrAfter = Math.ceil(start / interval) * interval;
          const firstDue =
            firstRunStrategy === 'wait' && atOrAfter === start
              ? start + interval
              : atOrAfter;
          let due = trigger.first(start);
          for (let k = 0; k < 25; k++) {
            expect(due).toBe(firstDue + k * interval);
            expect((due as number) % interval).toBe(0);
            due = trigger.next(due as number);
          }
        },
      ),
      fcParameters(300),
    );
  });

  it('should run a real @Every task at start + k·interval through the scheduler and a VirtualClock', async () => {
    await fc.assert(
      fc.asyncProperty(
        unitsArb,
        fc.constantFrom<'wait' | 'immediate'>('wait', 'immediate'),
        fc.integer({ min: FIRST_INSTANT, max: LAST_INSTANT }),
        async (units, firstRunStrategy, start) => {
          const { module, tasks } = everyModule({ ...units, firstRunStrategy });
          const { app, clock } = await createTestApp(
            { imports: [AioClockModule.forRoot({ timeZone: 'UTC' }), module] },
            new Date(start).toISOString(),
          );
          const interval = intervalOf(units);
          await clock.advance(20 * interval);
          const firstK = firstRunStrategy === 'immediate' ? 0 : 1;
          const expected = Array.from(
            { length: 21 - firstK },
            (_, i) => start + (firstK + i) * interval,
          );
          expect(app.get(tasks).due).toEqual(expected);
          await app.close();
        },
      ),
      fcParameters(50),
    );
  });
});

/** A module with one task on `@Every(params)` that records each run's due time. */
function everyModule(params: EveryParams) {
  @Injectable()
  class EveryTasks {
    readonly due: number[] = [];

    @Every(params)
    run(ctx: TaskContext): void {
      this.due.push(ctx.scheduledAt.getTime());
    }
  }
  @Module({ providers: [EveryTasks] })
  class EveryModule {}
  return { module: EveryModule, tasks: EveryTasks };
}
