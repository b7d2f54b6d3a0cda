/**
 * The bases of the watches opening in this process (the last change before
 * each), per change channel. A watch's base is read on one connection while
 * this process's writes and reads go on others, where the server may order
 * them first: a write made after `watch()` returned would then be counted as
 * before the watch and never told, and a first load made after it could miss
 * a change the base already counts. Statements on a channel wait while one of
 * its bases is being read, so the base comes first (it is read once per
 * watch, so the wait is rare and short).
 */
export class WatchBases {
  private readonly reading = new Map<string, Set<Promise<unknown>>>();

  /** Starts a base read: `read` is called at once, and statements on `channel` wait for it. */
  track<T>(channel: string, read: () => Promise<T>): Promise<T> {
    const base = read();
    const done = base.then(
      () => undefined,
      () => undefined,
    );
    let pending = this.reading.get(channel);
    if (pending === undefined) this.reading.set(channel, (pending = new Set()));
    pending.add(done);
    void done.then(() => {
      pending.delete(done);
      if (pending.size === 0 && this.reading.get(channel) === pending)
        this.reading.delete(channel);
    });
    return base;
  }

  /** Settles when no base read on `channel` begun before this call is pending; null when none is. */
  settled(channel: string): Promise<unknown> | null {
    const pending = this.reading.get(channel);
    return pending === undefined ? null : Promise.all([...pending]);
  }
}

/** One per process: the stores of one channel in a process share it, whatever their pools. */
export const watchBases = new WatchBases();
