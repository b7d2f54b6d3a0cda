import type { Trigger } from './trigger';

/** One member of an `or`: its trigger, its own run limit and its progress. */
export interface OrMember {
  readonly trigger: Trigger;
  /** The member's own `maxLoopCount`: it contributes exactly this many due times. */
  readonly maxLoopCount?: number;
}

interface MemberState {
  /** The member's pending due time, or `null` once it is over. */
  due: number | null;
  /** Due times of this member already consumed. */
  used: number;
}

/**
 * The union of its members' schedules. Each member keeps its own schedule and
 * its own `maxLoopCount`; due times that coincide fire once (and count as a
 * run for every member that had them). The `or`'s own `maxLoopCount` is the
 * scheduler's to enforce, like every top-level one.
 */
export class OrTrigger implements Trigger {
  private states: MemberState[] = [];

  /** @param members the member triggers, each with its own limit */
  constructor(readonly members: readonly OrMember[]) {}

  /** The earliest member's first due time; resets every member. */
  first(now: number): number | null {
    this.states = this.members.map((member) => ({
      due: member.maxLoopCount === 0 ? null : member.trigger.first(now),
      used: 0,
    }));
    return this.earliest();
  }

  /**
   * Consumes every member due at or before `previous` (normally the ones equal
   * to it: they just fired), advances them, and returns the earliest pending one.
   */
  next(previous: number): number | null {
    this.members.forEach((member, index) => {
      const state = this.states[index];
      while (state.due !== null && state.due <= previous) {
        state.used++;
        state.due =
          member.maxLoopCount !== undefined && state.used >= member.maxLoopCount
            ? null
            : member.trigger.next(state.due);
      }
    });
    return this.earliest();
  }

  private earliest(): number | null {
    let min: number | null = null;
    for (const { due } of this.states) if (due !== null && (min === null || due < min)) min = due;
    return min;
  }
}
