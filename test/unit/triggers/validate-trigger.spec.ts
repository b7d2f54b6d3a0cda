import { InvalidTriggerError } from '../../../lib/errors';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import { validateTriggerSpec } from '../../../lib/triggers';

const ZONE = 'an IANA time zone such as "Europe/Berlin"';
const EVERY_KEYS = 'seconds, minutes, hours, days, weeks, firstRunStrategy, maxLoopCount';
const CRON_FIELDS = 'expected 5 fields, or 6 with seconds first';
const TYPES = 'every, at, cron, once, forever, or, startup, shutdown';
const OR_MEMBERS = 'allowed: every, at, cron, once, or';
const DAYS =
  '"every day", "every monday", "every tuesday", "every wednesday", "every thursday", "every friday", "every saturday", "every sunday"';

/** Catches what validateTriggerSpec throws. */
function thrown(spec: unknown, defaultTimeZone?: string): InvalidTriggerError {
  try {
    validateTriggerSpec(spec as TriggerSpec, defaultTimeZone);
  } catch (error) {
    if (error instanceof InvalidTriggerError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(spec)}`);
}

describe('validateTriggerSpec', () => {
  // [spec, default zone, message, parameter, value]
  it.each<[unknown, string | undefined, string, string, unknown]>([
    // The spec itself.
    [null, undefined, 'invalid trigger: null (expected an object with a "type")', 'trigger', null],
    ['every', undefined, 'invalid trigger: "every" (expected an object with a "type")', 'trigger', 'every'],
    [[], undefined, 'invalid trigger: [] (expected an object with a "type")', 'trigger', []],
    [{}, undefined, `invalid trigger type: undefined (expected one of ${TYPES})`, 'type', undefined],
    [{ type: 'sometimes' }, undefined, `invalid trigger type: "sometimes" (expected one of ${TYPES})`, 'type', 'sometimes'],
    // every
    [{ type: 'every' }, undefined, 'missing interval (expected at least one of seconds, minutes, hours, days, weeks)', 'interval', undefined],
    [{ type: 'every', secs: 5 }, undefined, `unknown parameter "secs" for every trigger (allowed: ${EVERY_KEYS})`, 'secs', 5],
    [{ type: 'every', seconds: 5, tz: 'UTC' }, undefined, `unknown parameter "tz" for every trigger (allowed: ${EVERY_KEYS})`, 'tz', 'UTC'],
    [{ type: 'every', seconds: 0 }, undefined, 'invalid interval: 0 ms (expected a total greater than 0)', 'interval', 0],
    [{ type: 'every', seconds: 0, minutes: 0 }, undefined, 'invalid interval: 0 ms (expected a total greater than 0)', 'interval', 0],
    [{ type: 'every', seconds: -1 }, undefined, 'invalid seconds: -1 (expected a finite number >= 0)', 'seconds', -1],
    [{ type: 'every', minutes: NaN }, undefined, 'invalid minutes: NaN (expected a finite number >= 0)', 'minutes', NaN],
    [{ type: 'every', hours: Infinity }, undefined, 'invalid hours: Infinity (expected a finite number >= 0)', 'hours', Infinity],
    [{ type: 'every', seconds: '5' }, undefined, 'invalid seconds: "5" (expected a finite number >= 0)', 'seconds', '5'],
    [{ type: 'every', seconds: 0.0001 }, undefined, 'invalid interval: 0.1 ms (expected a whole number of milliseconds)', 'interval', 0.1],
    [{ type: 'every', weeks: 1e12 }, undefined, 'invalid interval: 604800000000000000000 ms (expected at most 10000000000000 ms)', 'interval', 6.048e20],
    [{ type: 'every', seconds: 5, firstRunStrategy: 'later' }, undefined, 'invalid firstRunStrategy: "later" (expected "wait" or "immediate")', 'firstRunStrategy', 'later'],
    // maxLoopCount
    [{ type: 'every', seconds: 5, maxLoopCount: 0 }, undefined, 'invalid maxLoopCount: 0 (expected an integer >= 1)', 'maxLoopCount', 0],
    [{ type: 'every', seconds: 5, maxLoopCount: 1.5 }, undefined, 'invalid maxLoopCount: 1.5 (expected an integer >= 1)', 'maxLoopCount', 1.5],
    [{ type: 'every', seconds: 5, maxLoopCount: -1 }, undefined, 'invalid maxLoopCount: -1 (expected an integer >= 1)', 'maxLoopCount', -1],
    [{ type: 'cron', cron: '* * * * *', maxLoopCount: NaN }, undefined, 'invalid maxLoopCount: NaN (expected an integer >= 1)', 'maxLoopCount', NaN],
    [{ type: 'forever', maxLoopCount: 0 }, undefined, 'invalid maxLoopCount: 0 (expected an integer >= 1)', 'maxLoopCount', 0],
    [{ type: 'at', maxLoopCount: '3' }, undefined, 'invalid maxLoopCount: "3" (expected an integer >= 1)', 'maxLoopCount', '3'],
    // at
    [{ type: 'at', hour: 24 }, undefined, 'invalid hour: 24 (expected an integer 0–23)', 'hour', 24],
    [{ type: 'at', second: 60 }, undefined, 'invalid second: 60 (expected an integer 0–59)', 'second', 60],
    [{ type: 'at', minute: -1 }, undefined, 'invalid minute: -1 (expected an integer 0–59)', 'minute', -1],
    [{ type: 'at', hour: 1.5 }, undefined, 'invalid hour: 1.5 (expected an integer 0–23)', 'hour', 1.5],
    [{ type: 'at', hour: '9' }, undefined, 'invalid hour: "9" (expected an integer 0–23)', 'hour', '9'],
    [{ type: 'at', at: 'every funday' }, undefined, `invalid at: "every funday" (expected one of ${DAYS})`, 'at', 'every funday'],
    [{ type: 'at', at: 'Every Monday' }, undefined, `invalid at: "Every Monday" (expected one of ${DAYS})`, 'at', 'Every Monday'],
    [{ type: 'at', tz: 'Mars/Olympus_Mons' }, undefined, `invalid tz: "Mars/Olympus_Mons" (expected ${ZONE})`, 'tz', 'Mars/Olympus_Mons'],
    [{ type: 'at', tz: '' }, undefined, `invalid tz: "" (expected ${ZONE})`, 'tz', ''],
    [{ type: 'at', tz: 1 }, undefined, `invalid tz: 1 (expected ${ZONE})`, 'tz', 1],
    [{ type: 'at', hour: 9 }, 'Not/AZone', `invalid timeZone: "Not/AZone" (expected ${ZONE})`, 'timeZone', 'Not/AZone'],
    [{ type: 'at', hours: 9 }, undefined, 'unknown parameter "hours" for at trigger (allowed: second, minute, hour, at, tz, maxLoopCount)', 'hours', 9],
    // cron
    [{ type: 'cron' }, undefined, 'missing cron (expected a cron expression)', 'cron', undefined],
    [{ type: 'cron', cron: 5 }, undefined, 'invalid cron: 5 (expected a string)', 'cron', 5],
    [{ type: 'cron', cron: '' }, undefined, `invalid cron: "" (${CRON_FIELDS}; got 0)`, 'cron', ''],
    [{ type: 'cron', cron: '* * * *' }, undefined, `invalid cron: "* * * *" (${CRON_FIELDS}; got 4)`, 'cron', '* * * *'],
    [{ type: 'cron', cron: '0 0 * * * * *' }, undefined, `invalid cron: "0 0 * * * * *" (${CRON_FIELDS}; got 7)`, 'cron', '0 0 * * * * *'],
    [{ type: 'cron', cron: '0 0 * * * * * *' }, undefined, `invalid cron: "0 0 * * * * * *" (${CRON_FIELDS}; got 8)`, 'cron', '0 0 * * * * * *'],
    [{ type: 'cron', cron: '61 * * * *' }, undefined, 'invalid cron: "61 * * * *" (Constraint error, got value 61 expected range 0-59)', 'cron', '61 * * * *'],
    [{ type: 'cron', cron: '* 24 * * *' }, undefined, 'invalid cron: "* 24 * * *" (Constraint error, got value 24 expected range 0-23)', 'cron', '* 24 * * *'],
    [{ type: 'cron', cron: 'foo bar baz qux quux' }, undefined, 'invalid cron: "foo bar baz qux quux" (Invalid characters, got value: foo)', 'cron', 'foo bar baz qux quux'],
    [{ type: 'cron', cron: '@sometimes' }, undefined, 'invalid cron: "@sometimes" (Validation error, cannot resolve alias "som")', 'cron', '@sometimes'],
    [{ type: 'cron', cron: 'H 9 * * *' }, undefined, 'invalid cron: "H 9 * * *" (H (hashed) values are not supported: they change with every process)', 'cron', 'H 9 * * *'],
    [{ type: 'cron', cron: '0 H/2 * * *' }, undefined, 'invalid cron: "0 H/2 * * *" (H (hashed) values are not supported: they change with every process)', 'cron', '0 H/2 * * *'],
    [{ type: 'cron', cron: '0 0 30 2 *' }, undefined, 'invalid cron: "0 0 30 2 *" (Invalid explicit day of month definition)', 'cron', '0 0 30 2 *'],
    [{ type: 'cron', cron: '* * * * *', tz: 'Nowhere' }, undefined, `invalid tz: "Nowhere" (expected ${ZONE})`, 'tz', 'Nowhere'],
    [{ type: 'cron', cron: '* * * * *' }, 'Nowhere', `invalid timeZone: "Nowhere" (expected ${ZONE})`, 'timeZone', 'Nowhere'],
    [{ type: 'cron', cron: '* * * * *', seconds: 1 }, undefined, 'unknown parameter "seconds" for cron trigger (allowed: cron, tz, maxLoopCount)', 'seconds', 1],
    // once, forever, startup, shutdown
    [{ type: 'once', maxLoopCount: 1 }, undefined, 'unknown parameter "maxLoopCount" for once trigger (allowed: none)', 'maxLoopCount', 1],
    [{ type: 'forever', seconds: 1 }, undefined, 'unknown parameter "seconds" for forever trigger (allowed: maxLoopCount)', 'seconds', 1],
    [{ type: 'startup', at: 'x' }, undefined, 'unknown parameter "at" for startup trigger (allowed: none)', 'at', 'x'],
    [{ type: 'shutdown', timeout: 5 }, undefined, 'unknown parameter "timeout" for shutdown trigger (allowed: none)', 'timeout', 5],
    // or
    [{ type: 'or' }, undefined, 'invalid triggers: undefined (expected a non-empty array of triggers)', 'triggers', undefined],
    [{ type: 'or', triggers: [] }, undefined, 'invalid triggers: [] (expected a non-empty array of triggers)', 'triggers', []],
    [{ type: 'or', triggers: 'every' }, undefined, 'invalid triggers: "every" (expected a non-empty array of triggers)', 'triggers', 'every'],
    [
      { type: 'or', triggers: [{ type: 'every', seconds: 1 }, { type: 'at', hour: 25 }] },
      undefined,
      'triggers[1]: invalid hour: 25 (expected an integer 0–23)',
      'triggers[1].hour',
      25,
    ],
    [{ type: 'or', triggers: [{ type: 'forever' }] }, undefined, `triggers[0]: forever cannot be a member of an or trigger (${OR_MEMBERS})`, 'triggers[0].type', 'forever'],
    [{ type: 'or', triggers: [{ type: 'startup' }] }, undefined, `triggers[0]: startup cannot be a member of an or trigger (${OR_MEMBERS})`, 'triggers[0].type', 'startup'],
    [{ type: 'or', triggers: [{ type: 'shutdown' }] }, undefined, `triggers[0]: shutdown cannot be a member of an or trigger (${OR_MEMBERS})`, 'triggers[0].type', 'shutdown'],
    [{ type: 'or', triggers: [null] }, undefined, 'triggers[0]: invalid trigger: null (expected an object with a "type")', 'triggers[0].trigger', null],
    [
      { type: 'or', triggers: [{ type: 'every', seconds: 1 }, { type: 'or', triggers: [{ type: 'cron', cron: '* *' }] }] },
      undefined,
      `triggers[1].triggers[0]: invalid cron: "* *" (${CRON_FIELDS}; got 2)`,
      'triggers[1].triggers[0].cron',
      '* *',
    ],
    [
      { type: 'or', triggers: [{ type: 'at', hour: 9 }] },
      'Not/AZone',
      `triggers[0]: invalid timeZone: "Not/AZone" (expected ${ZONE})`,
      'triggers[0].timeZone',
      'Not/AZone',
    ],
    [{ type: 'or', triggers: [{ type: 'every', seconds: 1 }], maxLoopCount: 0 }, undefined, 'invalid maxLoopCount: 0 (expected an integer >= 1)', 'maxLoopCount', 0],
  ])('should reject %j (default zone %s)', (spec, defaultTimeZone, message, parameter, value) => {
    const error = thrown(spec, defaultTimeZone);
    expect(error.message).toBe(message);
    expect(error.parameter).toBe(parameter);
    expect(error.value).toEqual(value);
  });

  it('should read well after a task-name prefix', () => {
    expect(`Reports.send: ${thrown({ type: 'at', hour: 24 }).message}`).toBe('Reports.send: invalid hour: 24 (expected an integer 0–23)');
  });

  it.each<[TriggerSpec, string | undefined]>([
    [{ type: 'every', seconds: 5 }, undefined],
    [{ type: 'every', minutes: 1, seconds: 30, firstRunStrategy: 'immediate', maxLoopCount: 3 }, undefined],
    [{ type: 'every', days: 30 }, undefined],
    [{ type: 'every', seconds: 0.5, firstRunStrategy: 'wait' }, undefined],
    [{ type: 'every', seconds: 1.1 }, undefined],
    [{ type: 'every', seconds: 5, minutes: undefined }, undefined],
    [{ type: 'at' }, undefined],
    [{ type: 'at', hour: 23, minute: 59, second: 59, at: 'every sunday', tz: 'Europe/Istanbul' }, 'UTC'],
    [{ type: 'at', hour: 0 }, 'America/New_York'],
    [{ type: 'cron', cron: '* * * * *' }, 'UTC'],
    [{ type: 'cron', cron: '*/10 * * * * *', tz: 'Europe/Berlin' }, undefined],
    [{ type: 'cron', cron: '  0 9 * * MON-FRI  ' }, undefined],
    [{ type: 'cron', cron: '0 0 L * *' }, undefined],
    [{ type: 'cron', cron: '0 9 * * 1#2' }, undefined],
    [{ type: 'cron', cron: '0 9 * * THU' }, undefined],
    [{ type: 'cron', cron: '@daily', maxLoopCount: 2 }, undefined],
    [{ type: 'once' }, undefined],
    [{ type: 'forever' }, undefined],
    [{ type: 'forever', maxLoopCount: 10 }, undefined],
    [{ type: 'startup' }, undefined],
    [{ type: 'shutdown' }, undefined],
    [{ type: 'or', triggers: [{ type: 'every', seconds: 3 }, { type: 'cron', cron: '0 9 * * *' }, { type: 'once' }], maxLoopCount: 5 }, 'UTC'],
    [{ type: 'or', triggers: [{ type: 'or', triggers: [{ type: 'at', hour: 9, maxLoopCount: 1 }] }] }, undefined],
  ])('should accept %j (default zone %s)', (spec, defaultTimeZone) => {
    expect(() => validateTriggerSpec(spec, defaultTimeZone)).not.toThrow();
  });

  // Accepted cron expressions are remembered (parsing them is most of a big boot): the memo
  // must never turn a rejection into an acceptance.
  it('should reject a bad cron expression or zone every time, also after accepting the same expression', () => {
    const bad = { type: 'cron', cron: '61 * * * *' };
    const first = thrown(bad).message;
    expect(thrown(bad).message).toBe(first);
    expect(first).toMatch(/^invalid cron: "61 \* \* \* \*"/);

    const good: TriggerSpec = { type: 'cron', cron: '*/7 * * * *' };
    expect(() => validateTriggerSpec(good, 'UTC')).not.toThrow();
    expect(() => validateTriggerSpec(good, 'UTC')).not.toThrow();
    expect(thrown(good, 'Not/AZone').message).toBe(`invalid timeZone: "Not/AZone" (expected ${ZONE})`);
    expect(thrown({ ...good, tz: 'Mars/Olympus' }, 'UTC').message).toBe(`invalid tz: "Mars/Olympus" (expected ${ZONE})`);
    expect(thrown({ type: 'cron', cron: '*/7 * * * * * *' }, 'UTC').message).toBe(`invalid cron: "*/7 * * * * * *" (${CRON_FIELDS}; got 7)`);
  });

  it('should judge a cron spec on its own zone even after the same expression was accepted without one', () => {
    validateTriggerSpec({ type: 'cron', cron: '5 9 * * *' }, 'UTC');
    expect(() => validateTriggerSpec({ type: 'cron', cron: '5 9 * * *', tz: '' }, 'UTC')).toThrow(InvalidTriggerError);
    expect(() => validateTriggerSpec({ type: 'cron', cron: '5 9 * * *', tz: 'Mars/Olympus' }, 'UTC')).toThrow(InvalidTriggerError);
    validateTriggerSpec({ type: 'cron', cron: '5 9 * * *', tz: 'Europe/Paris' }, 'UTC');
    // and the other way round: accepted with a zone, then asked without one under a bad default
    expect(() => validateTriggerSpec({ type: 'cron', cron: '5 9 * * *' }, 'Mars/Olympus')).toThrow(InvalidTriggerError);
  });
});

