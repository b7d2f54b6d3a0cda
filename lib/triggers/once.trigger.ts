import type { Trigger } from './trigger';

/** Fires once, at start (right after bootstrap), then is over. */
export class OnceTrigger implements Trigger {
  /** @inheritdoc */
  first(now: number): number {
    return now;
  }

  /** Always `null`: there is no second run. */
  next(_previous: number): null {
    return null;
  }
}
