import type { Trigger } from './trigger';

/**
 * Runs back to back. `first(now)` is `now`; `next` returns `null` because a
 * forever task has no due times to compute: the scheduler recognises the
 * `forever` type and starts the next run as soon as the previous one settles
 * (yielding to the event loop in between), counting runs against
 * `maxLoopCount` itself. A `null` here must therefore not be read as
 * "finished" for this kind.
 */
export class ForeverTrigger implements Trigger {
  /** @inheritdoc */
  first(now: number): number {
    return now;
  }

  /** Always `null`; see the class comment: the scheduler loops, not the trigger. */
  next(_previous: number): null {
    return null;
  }
}
