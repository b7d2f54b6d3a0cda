import fc from 'fast-check';
import type {
  OverlapPolicy,
  RetryOptions,
} from '../../lib/interfaces/task-options.interface';
import {
  abortableSleep,
  setup,
  task,
  T0,
} from '../unit/scheduler/scheduler.fixtures';
import { fcParameters } from './reference/cron.arbitraries';

// Random run policies and random failure patterns, under VirtualClock. Whatever
// they are: no due time runs twice (its tries are 1, 2, … in order, one at a
// time), nothing runs outside [startAt, endAt], and no try number exceeds
// `attempts`.

const OVERLAPS: OverlapPolicy[] = [
  'skip',
  'bufferOne',
  'bufferAll',
  'cancelOther',
];

/** What one try does: succeed or fail after `ms`, or hang until its timeout. */
type Outcome = { kind: 'ok' | 'fail' | 'hang'; ms: number };

const scenarioArb = fc.record({
  periodS: fc.integer({ min: 1, max: 5 }),
  overlap: fc.constantFrom(...OVERLAPS),
  retry: fc.record({
    attempts: fc.integer({ min: 1, max: 4 }),
    type: fc.constantFrom<'fixed' | 'exponential'>('fixed', 'exponential'),
    delayMs: fc.integer({ min: 0, max: 3_000 }),
    jitter: fc.constantFrom(0, 0.5, 1),
  }),
  timeout: fc.option(fc.integer({ min: 100, max: 3_000 }), { nil: undefined }),
  jitterFraction: fc.constantFrom(0, 0.3, 0.9),
  startS: fc.integer({ min: 0, max: 20 }),
  lengthS: fc.integer({ min: 0, max: 40 }),
  /** Outcomes drawn in turn, one per try, cycling. */
  outcomes: fc.array(
    fc.record({
      kind: fc.constantFrom<Outcome['kind']>('ok', 'fail', 'fail', 'hang'),
      ms: fc.integer({ min: 0, max: 4_000 }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

describe('Run policies (property)', () => {
  it('should never run a due time twice, outside the window, or beyond its attempts', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const { clock, scheduler } = setup();
        const startAt = T0 + s.startS * 1_000;
        const endAt = startAt + s.lengthS * 1_000;
        const retry: RetryOptions = {
          attempts: s.retry.attempts,
          backoff: {
            type: s.retry.type,
            delayMs: s.retry.delayMs,
            jitter: s.retry.jitter,
          },
        };
        const jitter = Math.floor(s.jitterFraction * s.periodS * 1_000);
        const tries: {
          due: number;
          attempt: number;
          start: number;
          end: number;
        }[] = [];
        let next = 0;
        scheduler.addTask(
          task(
            'p',
            { type: 'every', seconds: s.periodS },
            async (ctx) => {
              const outcome = s.outcomes[next++ % s.outcomes.length];
              const record = {
                due: ctx.scheduledAt.getTime(),
                attempt: ctx.attempt,
                start: clock.timestamp(),
                end: Infinity,
              };
              tries.push(record);
              try {
                await abortableSleep(
                  clock,
                  outcome.kind === 'hang' ? 600_000 : outcome.ms,
                  ctx.signal,
                );
                if (outcome.kind === 'fail') throw new Error('planned');
              } finally {
                record.end = clock.timestamp();
              }
            },
            {
              overlap: s.overlap,
              retry,
              timeout: s.timeout,
              jitter: jitter > 0 ? jitter : undefined,
              startAt: new Date(startAt),
              endAt: new Date(endAt),
            },
          ),
        );
        await scheduler.start();
        await clock.advance(90_000);
        await scheduler.stop(0);

        const byDue = new Map<number, typeof tries>();
        for (const t of tries) {
          expect(t.due).toBeGreaterThanOrEqual(startAt);
          expect(t.due).toBeLessThanOrEqual(endAt);
          expect(t.attempt).toBeGreaterThanOrEqual(1);
          expect(t.attempt).toBeLessThanOrEqual(s.retry.attempts);
          byDue.set(t.due, [...(byDue.get(t.due) ?? []), t]);
        }
        for (const [, list] of byDue) {
          // Tries 1, 2, … each once, in order.
          expect(list.map((t) => t.attempt)).toEqual(list.map((_, i) => i + 1));
          // A retry is made only after the try before it has started (and,
          // unless that try was abandoned at its timeout, ended).
          for (let i = 1; i < list.length; i++)
            expect(list[i].start).toBeGreaterThanOrEqual(list[i - 1].start);
        }
      }),
      fcParameters(60),
    );
  });
});
