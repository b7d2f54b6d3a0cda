import 'reflect-metadata';
import {
  invalidOption,
  jitterNotBelowPeriod,
} from '../../lib/aioclock.messages';
import { Every } from '../../lib/decorators';
import { InvalidTriggerError } from '../../lib/errors/invalid-trigger.error';
import type { TaskOptions } from '../../lib/interfaces/task-options.interface';
import type { TriggerSpec } from '../../lib/interfaces/trigger-spec.interface';
import { setup, task } from '../unit/scheduler/scheduler.fixtures';

// Bad run-policy options: a typed error naming Class.method, the option (with
// its path inside retry) and the bad value.

const TASK = 'Reports.nightly';
const DATE = "a valid Date or ISO 8601 string, e.g. '2025-01-01T00:00:00Z'";
const MS = 'a finite number of milliseconds >= 0';

/** Decorates a fresh method with `@Every({ minutes: 1 }, options)`. */
function decorate(options: unknown): void {
  class Reports {
    nightly(): void {}
  }
  const descriptor = Object.getOwnPropertyDescriptor(
    Reports.prototype,
    'nightly',
  )!;
  Every({ minutes: 1 }, options as TaskOptions)(
    Reports.prototype,
    'nightly',
    descriptor,
  );
}

describe('Run policy options', () => {
  it.each<[string, unknown, string, string, unknown, string]>([
    [
      'attempts 0',
      { retry: { attempts: 0 } },
      'retry.attempts',
      'attempts',
      0,
      'an integer >= 1',
    ],
    [
      'attempts 1.5',
      { retry: { attempts: 1.5 } },
      'retry.attempts',
      'attempts',
      1.5,
      'an integer >= 1',
    ],
    [
      'attempts missing',
      { retry: {} },
      'retry.attempts',
      'attempts',
      undefined,
      'an integer >= 1',
    ],
    [
      'retry not an object',
      { retry: 3 },
      'retry',
      'retry',
      3,
      'an object like { attempts: 3 }',
    ],
    [
      'negative delay',
      { retry: { attempts: 2, backoff: { type: 'fixed', delayMs: -1 } } },
      'retry.backoff.delayMs',
      'delayMs',
      -1,
      MS,
    ],
    [
      'NaN delay',
      { retry: { attempts: 2, backoff: { type: 'fixed', delayMs: NaN } } },
      'retry.backoff.delayMs',
      'delayMs',
      NaN,
      MS,
    ],
    [
      'unknown backoff type',
      { retry: { attempts: 2, backoff: { type: 'linear', delayMs: 1 } } },
      'retry.backoff.type',
      'type',
      'linear',
      "'fixed' | 'exponential'",
    ],
    [
      'maxDelayMs below delayMs',
      {
        retry: {
          attempts: 2,
          backoff: { type: 'exponential', delayMs: 100, maxDelayMs: 50 },
        },
      },
      'retry.backoff.maxDelayMs',
      'maxDelayMs',
      50,
      'a number of milliseconds >= delayMs (100)',
    ],
    [
      'backoff jitter above 1',
      {
        retry: {
          attempts: 2,
          backoff: { type: 'fixed', delayMs: 1, jitter: 1.5 },
        },
      },
      'retry.backoff.jitter',
      'jitter',
      1.5,
      'a number from 0 to 1',
    ],
    ['negative jitter', { jitter: -5 }, 'jitter', 'jitter', -5, MS],
    [
      'unparsable startAt',
      { startAt: 'next tuesday' },
      'startAt',
      'startAt',
      'next tuesday',
      DATE,
    ],
    // Date.parse makes these up (1 Dec 2001, 31 Dec 2001, 2 March): not ISO 8601 dates.
    [
      'startAt that is not a date',
      { startAt: 'foo 12' },
      'startAt',
      'startAt',
      'foo 12',
      DATE,
    ],
    [
      'endAt without a year',
      { endAt: '12/31' },
      'endAt',
      'endAt',
      '12/31',
      DATE,
    ],
    [
      'endAt on 30 February',
      { endAt: '2025-02-30T09:00:00Z' },
      'endAt',
      'endAt',
      '2025-02-30T09:00:00Z',
      DATE,
    ],
    [
      'invalid Date endAt',
      { endAt: new Date(NaN) },
      'endAt',
      'endAt',
      new Date(NaN),
      DATE,
    ],
    [
      'endAt before startAt',
      { startAt: '2025-01-02T00:00:00Z', endAt: '2025-01-01T00:00:00Z' },
      'endAt',
      'endAt',
      '2025-01-01T00:00:00Z',
      'an instant at or after startAt (2025-01-02T00:00:00.000Z)',
    ],
    [
      'pauseOnFailure 0',
      { pauseOnFailure: 0 },
      'pauseOnFailure',
      'pauseOnFailure',
      0,
      'an integer >= 1',
    ],
    [
      "catchUp 'first'",
      { catchUp: 'first' },
      'catchUp',
      'catchUp',
      'first',
      "'none' | 'latest' | 'all'",
    ],
    [
      'catchUpWindow 0',
      { catchUpWindow: 0 },
      'catchUpWindow',
      'catchUpWindow',
      0,
      'a finite number of milliseconds > 0',
    ],
    [
      'catchUpWindow Infinity',
      { catchUpWindow: Infinity },
      'catchUpWindow',
      'catchUpWindow',
      Infinity,
      'a finite number of milliseconds > 0',
    ],
  ])(
    'should reject %s naming the task and the value',
    (_title, options, path, parameter, value, expected) => {
      let thrown: unknown;
      try {
        decorate(options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidTriggerError);
      expect((thrown as InvalidTriggerError).message).toBe(
        invalidOption(TASK, path, value, expected),
      );
      expect((thrown as InvalidTriggerError).parameter).toBe(parameter);
    },
  );

  it('should accept the documented shapes', () => {
    expect(() =>
      decorate({
        retry: {
          attempts: 3,
          backoff: {
            type: 'exponential',
            delayMs: 0,
            maxDelayMs: 10,
            jitter: 1,
          },
        },
        jitter: 0,
        startAt: new Date('2025-01-01T00:00:00Z'),
        endAt: '2025-01-01T00:00:00Z',
        pauseOnFailure: 1,
        catchUp: 'all',
        catchUpWindow: 30 * 86_400_000,
      }),
    ).not.toThrow();
  });

  it.each<[TriggerSpec, number, number]>([
    [{ type: 'every', seconds: 10 }, 10_000, 10_000],
    [{ type: 'at', hour: 3 }, 86_400_000, 86_400_000],
    [{ type: 'cron', cron: '0 9,10 * * *' }, 3_600_000, 3_600_000],
    [
      {
        type: 'or',
        triggers: [
          { type: 'every', minutes: 5 },
          { type: 'cron', cron: '0 * * * *' },
        ],
      },
      300_000,
      300_000,
    ],
  ])(
    'should reject a jitter not below the period of %j',
    (trigger, jitter, period) => {
      const { scheduler } = setup();
      const add = (ms: number) => () =>
        scheduler.addTask(
          task(`t${ms}`, trigger, () => undefined, { jitter: ms }),
        );
      expect(add(jitter)).toThrow(
        new InvalidTriggerError(
          invalidOption(
            `t${jitter}`,
            'jitter',
            jitter,
            jitterNotBelowPeriod(period),
          ),
        ),
      );
      expect(add(period - 1)).not.toThrow();
    },
  );
});
