import fc from 'fast-check';
import type { AtDay } from '../../lib/interfaces/trigger-params.interface';
import type { TriggerSpec } from '../../lib/interfaces/trigger-spec.interface';
import { createTrigger, validateTriggerSpec } from '../../lib/triggers';
import {
  cronModelArb,
  fcParameters,
  zoneAndInstantArb,
} from './reference/cron.arbitraries';
import { renderCron } from './reference/cron.reference';

/** Due times compared per property run. */
const K = 30;

const loopCount = fc.option(fc.integer({ min: 1, max: 12 }), {
  nil: undefined,
  freq: 2,
});
const withLoopCount = <T extends object>(
  spec: T,
  maxLoopCount: number | undefined,
): T => (maxLoopCount === undefined ? spec : { ...spec, maxLoopCount });

/** One member of an @OrTrigger: every, at, cron or once, with its own maxLoopCount sometimes. */
const memberArb: fc.Arbitrary<TriggerSpec> = fc.oneof(
  fc
    .tuple(
      fc.record(
        {
          seconds: fc.integer({ min: 1, max: 90 }),
          minutes: fc.integer({ min: 0, max: 90 }),
        },
        { requiredKeys: ['seconds'] },
      ),
      fc.constantFrom<'wait' | 'immediate'>('wait', 'immediate'),
      loopCount,
    )
    .map(([units, firstRunStrategy, n]): TriggerSpec =>
      withLoopCount({ type: 'every', ...units, firstRunStrategy }, n),
    ),
  fc
    .tuple(
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 59 }),
      fc.constantFrom<AtDay>('every day', 'every monday', 'every sunday'),
      loopCount,
    )
    .map(([hour, minute, at, n]): TriggerSpec =>
      withLoopCount({ type: 'at', hour, minute, at }, n),
    ),
  fc
    .tuple(cronModelArb, loopCount)
    .map(([model, n]): TriggerSpec =>
      withLoopCount({ type: 'cron', cron: renderCron(model) }, n),
    ),
  fc.constant<TriggerSpec>({ type: 'once' }),
);

/** A member's own first `limit` due times (fewer when its schedule or maxLoopCount ends). */
function dueTimes(
  spec: TriggerSpec,
  zone: string,
  now: number,
  limit: number,
): number[] {
  const trigger = createTrigger(spec, { timeZone: zone });
  const max =
    'maxLoopCount' in spec && spec.maxLoopCount !== undefined
      ? Math.min(limit, spec.maxLoopCount)
      : limit;
  const out: number[] = [];
  let due = trigger.first(now);
  while (due !== null && out.length < max) {
    out.push(due);
    due = trigger.next(due);
  }
  return out;
}

describe('@OrTrigger', () => {
  it('should fire at the union of its members’ due times, each member with its own maxLoopCount, coinciding ones once', () => {
    fc.assert(
      fc.property(
        fc.array(memberArb, { minLength: 1, maxLength: 4 }),
        zoneAndInstantArb,
        (members, [zone, now]) => {
          const spec: TriggerSpec = { type: 'or', triggers: members };
          try {
            validateTriggerSpec(spec, zone);
          } catch (error) {
            // cron-parser refuses a day no listed month has (`31 APR`): not an @OrTrigger matter.
            fc.pre(
              !String(error).includes(
                'Invalid explicit day of month definition',
              ),
            );
            throw error;
          }
          // The union's first K due times lie among each member's first K.
          const union = [
            ...new Set(
              members.flatMap((member) => dueTimes(member, zone, now, K)),
            ),
          ].sort((a, b) => a - b);
          const expected = union.slice(0, K);
          const trigger = createTrigger(spec, { timeZone: zone });
          const got: number[] = [];
          let due = trigger.first(now);
          while (due !== null && got.length < K) {
            got.push(due);
            due = trigger.next(due);
          }
          expect(got.map((t) => new Date(t).toISOString())).toEqual(
            expected.map((t) => new Date(t).toISOString()),
          );
        },
      ),
      fcParameters(300),
    );
  });
});
