import { EveryTrigger } from './every.trigger';
import { OnceTrigger } from './once.trigger';
import type { Trigger } from './trigger';

/** One member of an `or`: its trigger, its own run limit and its progress. */
export interface AnyOfMember {
  readonly trigger: Trigger;
  /** The member's own `maxLoopCount`: it contributes exactly this many runs. */
  readonly maxLoopCount?: number;
}

interface MemberState {
  /** The member's pending due time, or `null` while it is over or at its limit. */
  due: number | null;
  /** Due times of this member counted as runs (consumed and not given back). */
  used: number;
  /** The member's latest consumed due time, to resume from after a `giveBack`. */
  last: number | null;
}

/** A member that had the due time of a receipt, with its own receipt if it has one. */
interface Owner {
  readonly index: number;
  readonly inner: unknown;
}

/**
 * The engine side of `@OrTrigger` (spec type `or`), named apart from the
 * decorator so the two never shadow each other in an import.
 * The union of its members' schedules. Each member keeps its own schedule and
 * its own `maxLoopCount`; due times that coincide fire once (and count as a
 * run for every member that had them). The `or`'s own `maxLoopCount` is the
 * scheduler's to enforce, like every top-level one.
 *
 * A member's `maxLoopCount: N` counts the member's due times that RAN: each
 * due time `next` moves past counts, and the scheduler gives back the ones
 * that did not run (skipped as late, paused or overlapping, or dropped before
 * they started) through `receipt` and `giveBack`. So a member contributes
 * exactly N runs, however many of its due times were skipped. A member that
 * reached N through a due time given back resumes with its first due time
 * after the latest one the `or` was asked about. Used without `giveBack`
 * (every due time run), it is simply the member's first N due times.
 */
export class AnyOfTrigger implements Trigger {
  private states: MemberState[] = [];
  /** The latest `previous` given to `next`. */
  private cursor = -Infinity;
  /** The due time `next` last consumed and the members that had it, for `receipt`. */
  private lastDue = NaN;
  private lastOwners: Owner[] = [];

  /** @param members the member triggers, each with its own limit */
  constructor(readonly members: readonly AnyOfMember[]) {}

  /** The earliest member's first due time; resets every member. */
  first(now: number): number | null {
    this.states = this.members.map((member) => ({
      due: member.maxLoopCount === 0 ? null : member.trigger.first(now),
      used: 0,
      last: null,
    }));
    this.cursor = -Infinity;
    this.lastDue = NaN;
    this.lastOwners = [];
    return this.earliest();
  }

  /**
   * Consumes every member due at or before `previous` (normally the ones equal
   * to it: they just fired), counting each as a run of that member, advances
   * them, and returns the earliest pending one.
   */
  next(previous: number): number | null {
    let owners: Owner[] | null = null;
    for (let index = 0; index < this.members.length; index++) {
      const member = this.members[index];
      const state = this.states[index];
      while (state.due !== null && state.due <= previous) {
        const due = state.due;
        state.used++;
        state.last = due;
        const following = member.trigger.next(due);
        const inner = member.trigger.receipt?.(due);
        if (due === previous) (owners ??= []).push({ index, inner });
        state.due = this.atLimit(index) ? null : following;
      }
    }
    if (previous > this.cursor) this.cursor = previous;
    if (owners !== null) {
      this.lastDue = previous;
      this.lastOwners = owners;
    }
    return this.earliest();
  }

  /**
   * The system clock stepped by `jump` ms (< 0: back) and reads `now`: each
   * member's pending due time moves as that kind's alone would (see
   * `WallClockJumps`), its count kept: an unaligned `every` keeps its phase,
   * shifted by the step; after a step back, the wall-clock kinds start again
   * from `now`; `once` stays. Returns the earliest pending one.
   */
  rebase(jump: number, now: number): number | null {
    for (let index = 0; index < this.members.length; index++) {
      const trigger = this.members[index].trigger;
      const state = this.states[index];
      if (state.due === null) continue;
      if (trigger instanceof EveryTrigger && !trigger.alignToEpoch) {
        state.due += jump;
        if (state.last !== null) state.last += jump;
      } else if (jump < 0 && !(trigger instanceof OnceTrigger))
        state.due = trigger.first(now);
    }
    // Due times asked about before a step back lie ahead now: a member
    // resuming after a `giveBack` must not pass over them.
    if (jump < 0 && this.cursor > now) this.cursor = now;
    this.lastDue = NaN;
    this.lastOwners = [];
    return this.earliest();
  }

  /** Each member's pending due time moves to its first one at or after `start`; none is counted. */
  skipBefore(start: number): number | null {
    for (let index = 0; index < this.members.length; index++) {
      const trigger = this.members[index].trigger;
      const state = this.states[index];
      if (state.due === null || state.due >= start) continue;
      if (trigger.lastAtOrBefore !== undefined)
        state.due = trigger.next(
          trigger.lastAtOrBefore(state.due, start - 1).due,
        );
      // `at` and `cron` answer the first due time strictly after any instant.
      else state.due = trigger.next(start - 1);
    }
    return this.earliest();
  }

  /** What `giveBack` needs for `due`, the due time just consumed; `undefined` if nothing counts it. */
  receipt(due: number): Owner[] | undefined {
    if (due !== this.lastDue) return undefined;
    const owners = this.lastOwners;
    this.lastDue = NaN;
    this.lastOwners = [];
    const counts = owners.some(
      (owner) =>
        owner.inner !== undefined ||
        this.members[owner.index].maxLoopCount !== undefined,
    );
    return counts ? owners : undefined;
  }

  /** The due time of `receipt` did not run: each member that had it counts it no more. */
  giveBack(receipt: unknown): void {
    for (const { index, inner } of receipt as Owner[]) {
      const member = this.members[index];
      const state = this.states[index];
      if (inner !== undefined) member.trigger.giveBack?.(inner);
      state.used--;
      if (!this.atLimit(index) && state.last !== null)
        state.due = this.resume(member, state);
    }
  }

  private atLimit(index: number): boolean {
    const max = this.members[index].maxLoopCount;
    return max !== undefined && this.states[index].used >= max;
  }

  /**
   * The member's pending due time again, from its latest consumed one, past
   * the latest due time the `or` was asked about: due times that passed while
   * it was at its limit were not fired, so they neither run nor count.
   */
  private resume(member: AnyOfMember, state: MemberState): number | null {
    const trigger = member.trigger;
    let due = trigger.next(state.last!);
    while (due !== null && due <= this.cursor) {
      trigger.next(due);
      const inner = trigger.receipt?.(due);
      if (inner !== undefined) trigger.giveBack?.(inner);
      state.last = due;
      due = trigger.next(due);
    }
    return due;
  }

  private earliest(): number | null {
    let min: number | null = null;
    for (const { due } of this.states)
      if (due !== null && (min === null || due < min)) min = due;
    return min;
  }
}
