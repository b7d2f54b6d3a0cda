import type { Trigger } from './trigger';

/**
 * `startup` and `shutdown` tasks: markers the scheduler runs at those moments
 * of the lifecycle. They have no due times, so `first` and `next` are `null`.
 */
export class LifecycleTrigger implements Trigger {
  /** @param kind which lifecycle moment this task runs at */
  constructor(readonly kind: 'startup' | 'shutdown') {}

  /** Always `null`: lifecycle tasks are not timed. */
  first(_now: number): null {
    return null;
  }

  /** Always `null`: lifecycle tasks are not timed. */
  next(_previous: number): null {
    return null;
  }
}
