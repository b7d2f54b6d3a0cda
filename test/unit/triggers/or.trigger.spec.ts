import type { OrSpec, TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import { createTrigger } from '../../../lib/triggers';

const ms = (iso: string): number => Date.parse(iso);
const or = (triggers: TriggerSpec[], maxLoopCount?: number): OrSpec => ({ type: 'or', triggers, ...(maxLoopCount ? { maxLoopCount } : {}) });

/** Due times (as seconds after `start`) until `limit` of them or the end. */
function seconds(spec: OrSpec, start: number, limit: number): number[] {
  const trigger = createTrigger(spec, { timeZone: 'UTC' });
  const out: number[] = [];
  for (let due = trigger.first(start); due !== null && out.length < limit; due = trigger.next(due)) {
    out.push((due - start) / 1000);
  }
  return out;
}

describe('or trigger', () => {
  it.each<[string, TriggerSpec[], number[]]>([
    ['every 3 s and every 5 s', [{ type: 'every', seconds: 3 }, { type: 'every', seconds: 5 }], [3, 5, 6, 9, 10, 12, 15, 18, 20, 21]],
    ['coinciding members firing once', [{ type: 'every', seconds: 2 }, { type: 'every', seconds: 3 }], [2, 3, 4, 6, 8, 9, 10, 12]],
    ['identical members', [{ type: 'every', seconds: 4 }, { type: 'every', seconds: 4 }], [4, 8, 12]],
    ['a once member', [{ type: 'once' }, { type: 'every', seconds: 10 }], [0, 10, 20, 30]],
    ['an immediate member', [{ type: 'every', seconds: 10, firstRunStrategy: 'immediate' }, { type: 'every', seconds: 4 }], [0, 4, 8, 10, 12, 16, 20]],
    [
      'a nested or',
      [{ type: 'or', triggers: [{ type: 'every', seconds: 7 }, { type: 'every', seconds: 11 }] }, { type: 'every', seconds: 5 }],
      [5, 7, 10, 11, 14, 15, 20, 21, 22, 25],
    ],
  ])('should fire the union of %s', (_name, members, expected) => {
    expect(seconds(or(members), 0, expected.length)).toEqual(expected);
  });

  it.each<[string, TriggerSpec[], number[]]>([
    ['a limited member next to a longer one', [{ type: 'every', seconds: 3, maxLoopCount: 2 }, { type: 'every', seconds: 5, maxLoopCount: 4 }], [3, 5, 6, 10, 15, 20]],
    ['two limited members', [{ type: 'every', seconds: 1, maxLoopCount: 3 }, { type: 'every', seconds: 10, maxLoopCount: 1 }], [1, 2, 3, 10]],
    // 4 s is due for both: it counts as a run of each, so the 4 s member is done after it.
    ['a shared due time counting for both', [{ type: 'every', seconds: 2, maxLoopCount: 2 }, { type: 'every', seconds: 4, maxLoopCount: 1 }], [2, 4]],
    ['a limited nested or', [{ type: 'or', triggers: [{ type: 'every', seconds: 2 }], maxLoopCount: 2 }, { type: 'every', seconds: 5, maxLoopCount: 1 }], [2, 4, 5]],
  ])('should give each member exactly its own maxLoopCount: %s', (_name, members, expected) => {
    expect(seconds(or(members), 0, 100)).toEqual(expected);
  });

  describe('when the scheduler gives back due times that did not run', () => {
    /** Fires from `start`; `ran(due)` says whether the due time ran (else it is given back). */
    function fire(spec: OrSpec, ran: (dueSeconds: number) => boolean, limit = 100): number[] {
      const trigger = createTrigger(spec, { timeZone: 'UTC' });
      const out: number[] = [];
      let due = trigger.first(0);
      while (due !== null && out.length < limit) {
        let next = trigger.next(due);
        const receipt = trigger.receipt!(due);
        if (ran(due / 1000)) out.push(due / 1000);
        else if (receipt !== undefined) {
          trigger.giveBack!(receipt);
          next = trigger.next(due);
        }
        due = next;
      }
      return out;
    }

    it('should count only the due times that ran against a member’s maxLoopCount', () => {
      // Every other due time is skipped (a run overlapping the next one): still three runs.
      expect(fire(or([{ type: 'every', seconds: 1, maxLoopCount: 3 }]), (s) => s % 2 === 1)).toEqual([1, 3, 5]);
    });

    it('should let a member at its limit resume when its last due time is given back', () => {
      expect(fire(or([{ type: 'every', seconds: 2, maxLoopCount: 2 }, { type: 'every', seconds: 3 }]), (s) => s !== 4, 6)).toEqual([2, 3, 6, 9, 12, 15]);
    });

    it('should give back through a nested or to its own limited members', () => {
      const nested: TriggerSpec = { type: 'or', triggers: [{ type: 'every', seconds: 1, maxLoopCount: 2 }] };
      expect(fire(or([nested, { type: 'every', seconds: 10, maxLoopCount: 1 }]), (s) => s !== 1)).toEqual([2, 3, 10]);
    });

    it('should resume a member given back late after the due times passed meanwhile, which it does not fire', () => {
      const trigger = createTrigger(or([{ type: 'every', seconds: 1, maxLoopCount: 1 }, { type: 'every', seconds: 5 }]), { timeZone: 'UTC' });
      expect(trigger.first(0)).toBe(1_000);
      expect(trigger.next(1_000)).toBe(5_000); // the 1 s member reached its limit
      const held = trigger.receipt!(1_000); // e.g. buffered behind a running run
      expect(trigger.next(5_000)).toBe(10_000);
      trigger.giveBack!(held); // …and dropped: the member resumes after 5 s
      expect(trigger.next(5_000)).toBe(6_000);
      expect(trigger.next(6_000)).toBe(10_000);
    });

    it('should hand out no receipt when no member counts', () => {
      const trigger = createTrigger(or([{ type: 'every', seconds: 1 }, { type: 'every', seconds: 2 }]), { timeZone: 'UTC' });
      trigger.next(trigger.first(0)!);
      expect(trigger.receipt!(1_000)).toBeUndefined();
    });
  });

  it('should keep firing an unlimited member after a limited one is done', () => {
    const members: TriggerSpec[] = [{ type: 'every', seconds: 3, maxLoopCount: 2 }, { type: 'every', seconds: 5 }];
    expect(seconds(or(members), 0, 8)).toEqual([3, 5, 6, 10, 15, 20, 25, 30]);
  });

  it('should leave its own maxLoopCount to the scheduler', () => {
    expect(seconds(or([{ type: 'every', seconds: 1 }], 2), 0, 5)).toEqual([1, 2, 3, 4, 5]);
  });

  it('should merge calendar members in their own zones', () => {
    const trigger = createTrigger(
      or([
        { type: 'cron', cron: '0 9 * * *', tz: 'Europe/Berlin' },
        { type: 'at', hour: 9, tz: 'America/New_York' },
        { type: 'cron', cron: '0 9 * * *' },
      ]),
      { timeZone: 'Asia/Tokyo' },
    );
    const out: string[] = [];
    for (let due = trigger.first(ms('2024-03-31T11:00:00Z')); out.length < 6; due = trigger.next(due!)) out.push(new Date(due!).toISOString());
    expect(out).toEqual([
      '2024-03-31T13:00:00.000Z',
      '2024-04-01T00:00:00.000Z',
      '2024-04-01T07:00:00.000Z',
      '2024-04-01T13:00:00.000Z',
      '2024-04-02T00:00:00.000Z',
      '2024-04-02T07:00:00.000Z',
    ]);
  });

  it('should start over on first()', () => {
    const trigger = createTrigger(or([{ type: 'every', seconds: 1, maxLoopCount: 1 }]), { timeZone: 'UTC' });
    expect(trigger.first(0)).toBe(1_000);
    expect(trigger.next(1_000)).toBeNull();
    expect(trigger.first(5_000)).toBe(6_000);
    expect(trigger.next(6_000)).toBeNull();
  });

  it('should keep the union exact over 10 000 consecutive due times', () => {
    const due = seconds(or([{ type: 'every', seconds: 3 }, { type: 'every', seconds: 5 }]), 0, 10_000);
    // Reference: the positive multiples of 3 or 5, in order.
    const expected: number[] = [];
    for (let n = 1; expected.length < 10_000; n++) if (n % 3 === 0 || n % 5 === 0) expected.push(n);
    expect(due).toEqual(expected);
    expect(due[9_999]).toBe(21_429);
  });
});
