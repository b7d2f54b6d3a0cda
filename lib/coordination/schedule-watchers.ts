/** One logged change of a durable schedule: its sequence number, the writing store's token, the id. */
export interface ScheduleChange {
  seq: number;
  token: string;
  id: string;
}

/**
 * Where a watch begins: the newest logged change and, on a backend whose
 * sequence numbers may commit out of order, which of the `backfill` numbers
 * up to it were logged by then, read at once (one snapshot).
 */
export interface ScheduleWatchBase {
  seq: number;
  /** Numbers in (seq − backfill, seq] already logged; absent: every number up to seq was. */
  logged?: readonly number[];
}

/** What a durable store's backend offers `ScheduleWatchers`. */
export interface ScheduleChangeSource {
  /** The newest logged change's sequence number (0 when none). */
  lastSeq(): Promise<number>;
  /**
   * Read when a watch begins, without a deadline when the backend can queue
   * it. @default `{ seq: lastSeq() }`
   */
  firstSeq?(backfill: number): Promise<ScheduleWatchBase>;
  /**
   * The logged changes with a sequence number above `seq`, in any order;
   * null when the log no longer reaches back that far.
   */
  changesSince(seq: number): Promise<ScheduleChange[] | null>;
  /** Every stored id, told to the listeners after a gap in the log. */
  allIds(): Promise<string[]>;
  /**
   * Opens the subscription (pub/sub, LISTEN): `onChange` per message,
   * `onLive` each time it is (re)established and hears every later change.
   * Returns its close function, or null when the backend offers none.
   */
  subscribe(
    onChange: (change: ScheduleChange) => void,
    onLive: () => void,
  ): (() => void) | null;
}

import { ScheduleResync } from './schedule-resync';

/** Sequence numbers remembered to drop a change heard twice (message and replay). */
const REMEMBERED = 10_000;

/**
 * The listeners of a durable store's `watch`. The subscription opens with the
 * first listener and closes with the last. Messages sent while it was not
 * live (before it was established, or during a reconnect) are replayed from
 * the backend's change log once it is, from the last change this replica
 * heard (or the one before the first `watch`; `backfill` numbers back on a
 * backend whose numbers commit out of order, past those logged before the
 * watch), so a replica misses no change — after a gap longer than the log,
 * every stored id is told. While the
 * subscription is live, every `resyncMs` one read of the last change number
 * tells whether a notice was lost anyway (`ScheduleResync`); the log is
 * replayed then. This store's own changes are told at once by `notify` and
 * skipped when heard again.
 */
export class ScheduleWatchers {
  /** Each listener → what it does after a gap in the log (undefined: hear every stored id). */
  private readonly listeners = new Map<
    (id: string) => void,
    (() => void) | undefined
  >();
  private close: (() => void) | null = null;
  /** Bumped on close: callbacks of an older subscription are ignored. */
  private epoch = 0;
  private highWater: Promise<number> | number = 0;
  /** No replay goes below it: the first listener's base, less the backfill when it says what was logged (-1: unknown yet). */
  private floor = -1;
  private readonly heard = new Set<number>();
  private buffered: ScheduleChange[] | null = null;
  private syncing: Promise<void> = Promise.resolve();
  private readonly resync: ScheduleResync;

  /**
   * @param token the store's token, written with its own changes
   * @param source the backend's log and subscription
   * @param backfill how far before the last heard change a replay after a
   *   reconnect starts (a backend whose sequence numbers may commit out of
   *   order needs room); never before the first listener came
   * @param resyncMs how often a live subscription checks the log for a lost
   *   notice (0: never)
   */
  constructor(
    private readonly token: string,
    private readonly source: ScheduleChangeSource,
    private readonly backfill = 0,
    resyncMs = 0,
  ) {
    this.resync = new ScheduleResync(resyncMs, () => this.checkLog());
  }

  /**
   * Adds a listener; returns its unsubscribe (idempotent).
   * @param onGap called after a gap in the log instead of telling every stored id
   */
  add(listener: (id: string) => void, onGap?: () => void): () => void {
    // A wrapper per call, so the same function watching twice is two listeners.
    const entry = (id: string): void => listener(id);
    this.listeners.set(entry, onGap);
    if (this.listeners.size === 1) this.open();
    return () => {
      if (!this.listeners.delete(entry) || this.listeners.size > 0) return;
      this.epoch++;
      this.resync.stop();
      this.close?.();
      this.close = null;
    };
  }

  /** Tells every listener that schedule `id` changed or was removed. */
  notify(id: string): void {
    for (const listener of [...this.listeners.keys()]) {
      try {
        listener(id);
      } catch {
        // A listener's failure is its own; the others still hear of the change.
      }
    }
  }

  private open(): void {
    const epoch = ++this.epoch;
    this.heard.clear();
    this.buffered = [];
    // Read before subscribing: changes after this point are replayed.
    this.floor = -1;
    const base =
      this.source.firstSeq?.(this.backfill) ??
      this.source.lastSeq().then((seq): ScheduleWatchBase => ({ seq }));
    this.highWater = base.then(
      ({ seq, logged }) => {
        if (epoch !== this.epoch) return seq;
        if (logged !== undefined) {
          // A lower number may commit after this read, as after a reconnect:
          // the first replay goes back as far, past the numbers logged by then.
          for (const before of logged) this.heard.add(before);
          this.floor = Math.max(0, seq - this.backfill);
        }
        // A number from here: each change delivered raises it (nothing is
        // delivered before, every delivery follows a replay that awaits this).
        this.highWater = seq;
        return seq;
      },
      () => -1,
    );
    this.close = this.source.subscribe(
      (change) => {
        if (epoch !== this.epoch) return;
        if (this.buffered !== null) this.buffered.push(change);
        else this.deliver(change);
      },
      () => {
        if (epoch !== this.epoch) return;
        this.buffered ??= [];
        this.syncing = this.syncing.then(() => this.replay(epoch));
      },
    );
    this.resync.start();
  }

  // The subscription is live: tell what it missed, then what it buffered.
  private async replay(epoch: number): Promise<void> {
    try {
      await this.catchUp(epoch);
    } catch {
      // The backend failed meanwhile: the next resync or (re)subscription replays again.
    }
    if (epoch !== this.epoch) return;
    const buffered = this.buffered ?? [];
    this.buffered = null;
    for (const change of buffered) this.deliver(change);
  }

  // A periodic check while live: a notice may have been lost without a
  // reconnect. One read; the log only when it is ahead of what was heard.
  private async checkLog(): Promise<void> {
    const epoch = this.epoch;
    // Not live: a subscription that never comes (a pool without LISTEN, a
    // server that stopped answering) must not keep the log unread. Replay it
    // now; the replay when the subscription is live covers what follows.
    if (this.buffered !== null) {
      const done = this.syncing.then(() => this.replay(epoch));
      this.syncing = done.catch(() => undefined);
      await done;
      return;
    }
    const last = await this.source.lastSeq();
    const heard = await this.highWater;
    if (epoch !== this.epoch || this.buffered !== null) return;
    if (heard >= 0 && last <= heard) return;
    const done = this.syncing.then(() => this.catchUp(epoch));
    this.syncing = done.catch(() => undefined);
    await done;
  }

  // Tells the logged changes after the last one heard (all ids after a gap).
  private async catchUp(epoch: number): Promise<void> {
    const from = await this.highWater;
    // The first read failed: what changed since the watch began is unknown,
    // so it is handled as a gap (everything read again), not as nothing.
    let changes: ScheduleChange[] | null = null;
    if (from >= 0) {
      if (this.floor < 0) this.floor = from;
      changes = await this.source.changesSince(
        Math.max(this.floor, from - this.backfill),
      );
    }
    if (epoch !== this.epoch) return;
    if (changes === null) {
      // Read before the ids: a change after this point is replayed later.
      const last = await this.source.lastSeq();
      const listeners = [...this.listeners];
      const ids = listeners.some(([, onGap]) => onGap === undefined)
        ? await this.source.allIds()
        : [];
      if (epoch !== this.epoch) return;
      for (const [listener, onGap] of listeners) {
        try {
          if (onGap !== undefined) onGap();
          else for (const id of ids) listener(id);
        } catch {
          // A listener's failure is its own.
        }
      }
      this.highWater = last;
    } else {
      changes.sort((a, b) => a.seq - b.seq);
      for (const change of changes) this.deliver(change);
    }
  }

  private deliver(change: ScheduleChange): void {
    if (this.heard.has(change.seq)) return;
    this.heard.add(change.seq);
    if (this.heard.size > REMEMBERED)
      this.heard.delete(this.heard.values().next().value!);
    if (typeof this.highWater === 'number' && change.seq > this.highWater)
      this.highWater = change.seq;
    if (change.token !== this.token) this.notify(change.id);
  }
}

/**
 * Parses a change message `<seq>:<token>:<id>` (the id may hold colons).
 * @returns null when it is not one
 */
export function parseScheduleChange(text: string): ScheduleChange | null {
  const first = text.indexOf(':');
  const second = text.indexOf(':', first + 1);
  if (first <= 0 || second < 0) return null;
  const seq = Number(text.slice(0, first));
  if (!Number.isSafeInteger(seq)) return null;
  return {
    seq,
    token: text.slice(first + 1, second),
    id: text.slice(second + 1),
  };
}
