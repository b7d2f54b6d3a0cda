import { lateSkips, skipReasons } from '../aioclock.messages';
import { LATE_SKIP_EVENTS } from './scheduler.constants';
import type { SchedulerInternals } from './scheduler-internals';
import type { TaskState } from './task-state';

type LateCatchUpHost = Pick<
  SchedulerInternals,
  'events' | 'otel' | 'budget' | 'skip'
>;

/**
 * The timer woke after several due times of a task had passed: ONE run fires,
 * for the latest, and the older ones are skipped (reason `late`). The first
 * `LATE_SKIP_EVENTS` get one event each, any others share one more event; an
 * `every` trigger jumps over them arithmetically, so hours of a suspended
 * laptop cost no loop. Reached only when a task is late.
 */
export class LateCatchUp {
  /** The due time after the one `catchUp` returned last (`null`: none). */
  next: number | null = null;

  /** @param host the scheduler */
  constructor(private readonly host: LateCatchUpHost) {}

  /**
   * Skips the due times from `fire` that have a later one at or before `now`.
   * @param fire the task's due time that came up
   * @param next the due time after it (at or before `now`)
   * @returns the due time to fire; the one after it is left in `next`
   */
  catchUp(
    task: TaskState,
    fire: number,
    next: number | null,
    now: number,
  ): number {
    const trigger = task.trigger;
    const host = this.host;
    for (let late = 0; next !== null && next <= now; late++) {
      if (late === LATE_SKIP_EVENTS)
        return this.skipMany(task, fire, next, now);
      host.skip(task, fire, skipReasons.late);
      // A due time given back can only make the next one earlier: still late.
      if (host.budget.giveBack(task, trigger.receipt?.(fire)))
        next = trigger.next(fire)!;
      fire = next;
      next = trigger.next(fire);
    }
    this.next = next;
    return fire;
  }

  /**
   * Catches up over many missed due times at once, from `fire` (missed too).
   * All are counted as skipped, in ONE event.
   */
  private skipMany(
    task: TaskState,
    fire: number,
    next: number | null,
    now: number,
  ): number {
    const trigger = task.trigger;
    const first = fire;
    let missed = 0;
    if (trigger.lastAtOrBefore !== undefined) {
      const last = trigger.lastAtOrBefore(fire, now);
      missed = last.passed;
      fire = last.due;
      next = trigger.next(fire);
    }
    while (next !== null && next <= now) {
      missed++;
      if (this.host.budget.giveBack(task, trigger.receipt?.(fire)))
        next = trigger.next(fire)!;
      fire = next;
      next = trigger.next(fire);
    }
    task.skipped += missed;
    const otel = this.host.otel;
    if (otel !== null)
      otel.notRun(task.name, task.group.name, 'skipped', missed);
    const events = this.host.events;
    if (events.observed)
      events.emit('skipped', task, first, undefined, lateSkips(missed));
    this.next = next;
    return fire;
  }
}
