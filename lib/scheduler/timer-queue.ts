/**
 * `Queueable.queuedDue` of an item that is not queued. A number, not `null`:
 * a field that only ever holds numbers is stored unboxed and updated in place,
 * where a `number | null` field allocates a fresh heap number on every write.
 */
export const NOT_QUEUED = -Infinity;

/** What the timer queue needs on each queued item: it owns these two fields. */
export interface Queueable {
  /** Bumped on every add and remove; a queue entry is live while its token matches. */
  queueToken: number;
  /** The due time the item is queued for, or `NOT_QUEUED`. */
  queuedDue: number;
}

/**
 * Every item due at one instant, in the order they were added: entries
 * `0 … size - 1` of `items` and `tokens`. A bucket is reused once all its
 * entries have been dispatched (`TimerQueue.release`), arrays included: with
 * 100 000 tasks due together, growing two fresh arrays to 100 000 entries at
 * every due time made ~5 MB of large-object garbage per wake-up, and the
 * old-generation marking it brought on ran in steps during the runs.
 */
export class DueBucket<T> {
  /** How many entries are still live; a bucket with none is dropped unseen. */
  live = 0;
  /** Out of the queue (fired, dropped or cleared): nothing may be added to it. */
  taken = false;
  /** How many entries the bucket has (its arrays may be longer: reused). */
  size = 1;
  // Made with their first entry, so the arrays are born holding objects (an
  // empty one starts as small-integer storage, and optimised code that finds
  // it in that state bails out on the first push).
  readonly items: (T | null)[];
  readonly tokens: number[];

  /**
   * @param due the due time
   * @param item the first item due then
   * @param token its queue token
   */
  constructor(
    public due: number,
    item: T,
    token: number,
  ) {
    this.items = [item];
    this.tokens = [token];
    this.live = 1;
  }

  /** Entry `i` (below `size`). */
  item(i: number): T {
    return this.items[i] as T;
  }
}

/** The bucket has `item`'s live entry (queued with `token`); searched from its newest. */
function holds<T>(bucket: DueBucket<T>, item: T, token: number): boolean {
  const { items, tokens } = bucket;
  for (let i = bucket.size - 1; i >= 0; i--)
    if (items[i] === item && tokens[i] === token) return true;
  return false;
}

/**
 * The scheduler's timer queue: a binary min-heap keyed on due time with ONE
 * entry per distinct due time, holding the list of items due then (as Node's
 * own timer lists do). Firing n items due at the same instant is O(n);
 * adding is O(log d) for a new due time (d distinct due times) and O(1) for an
 * existing one; removing is O(1) and lazy (a token per item marks stale
 * entries, dropped when their due time comes up).
 */
export class TimerQueue<T extends Queueable> {
  private readonly heap: DueBucket<T>[] = [];
  private readonly buckets = new Map<number, DueBucket<T>>();
  /** The bucket `add` used last: a whole wake-up re-queues its tasks into the same next one. */
  private lastAdded: DueBucket<T> | null = null;
  /** The last bucket `take` returned: its entries may not all be dequeued yet. */
  private taken: DueBucket<T> | null = null;
  /** A bucket whose entries have all been dispatched, for `add` to reuse. */
  private spare: DueBucket<T> | null = null;
  private count = 0;

  /** How many items are queued. */
  get size(): number {
    return this.count;
  }

  /** Queues `item` for `due`, replacing any earlier position it had. */
  add(item: T, due: number): void {
    if (item.queuedDue !== NOT_QUEUED) this.remove(item);
    item.queuedDue = due;
    this.count++;
    const token = ++item.queueToken;
    let bucket = this.lastAdded;
    if (bucket === null || bucket.due !== due || bucket.taken) {
      bucket = this.buckets.get(due) ?? null;
      if (bucket === null) {
        bucket = this.newBucket(due, item, token);
        this.buckets.set(due, bucket);
        this.push(bucket);
        this.lastAdded = bucket;
        return;
      }
      this.lastAdded = bucket;
    }
    // One store for both a reused bucket's room and a new bucket's growth
    // (a store at the length appends): the first due time's re-queueing goes
    // through the same code as boot's queueing did, not a branch compiled
    // without feedback that V8 throws away in the middle of a pass.
    const n = bucket.size;
    bucket.items[n] = item;
    bucket.tokens[n] = token;
    bucket.size = n + 1;
    bucket.live++;
  }

  private newBucket(due: number, item: T, token: number): DueBucket<T> {
    const bucket = this.spare;
    if (bucket === null) return new DueBucket<T>(due, item, token);
    this.spare = null;
    bucket.due = due;
    bucket.taken = false;
    bucket.live = 1;
    bucket.size = 1;
    bucket.items[0] = item;
    bucket.tokens[0] = token;
    return bucket;
  }

  /**
   * Every entry of `bucket` (from `take`) has been dequeued or passed over:
   * it may be reused. Its references are cleared, so that it keeps no removed
   * item alive.
   */
  release(bucket: DueBucket<T>): void {
    if (bucket !== this.taken) return;
    this.taken = null;
    bucket.items.fill(null, 0, bucket.size);
    this.spare = bucket;
  }

  /** Takes `item` out of the queue; a no-op when it is not queued. */
  remove(item: T): void {
    const due = item.queuedDue;
    if (due === NOT_QUEUED) return;
    const token = item.queueToken;
    item.queuedDue = NOT_QUEUED;
    item.queueToken++;
    this.count--;
    const bucket = this.buckets.get(due);
    if (bucket === undefined) return;
    // The bucket being dispatched has left the map, and a run of it may have
    // queued things for the same due time since, in a new bucket: the entry
    // counted there only if it is there (that bucket is new, so small).
    if (
      this.taken !== null &&
      this.taken.due === due &&
      !holds(bucket, item, token)
    )
      return;
    bucket.live--;
  }

  /** The earliest due time with a live item, or `null` when empty. */
  peekDue(): number | null {
    this.dropDead();
    return this.heap.length > 0 ? this.heap[0].due : null;
  }

  /**
   * Removes and returns the earliest bucket if it is due at or before `now`,
   * its entries as they were: `dequeue` each when it is reached, so that a
   * caller going through them touches each item once (with 100 000 items, a
   * separate pass over them cost ~10 ms before the first could fire), and an
   * item removed or queued again meanwhile is passed over.
   */
  take(now: number): DueBucket<T> | null {
    this.dropDead();
    const heap = this.heap;
    if (heap.length === 0 || heap[0].due > now) return null;
    const bucket = this.popTop();
    this.buckets.delete(bucket.due);
    bucket.taken = true;
    this.taken = bucket;
    return bucket;
  }

  /** Entry `i` of a bucket from `take`, now dequeued; null when it was removed or queued again since. */
  dequeue(bucket: DueBucket<T>, i: number): T | null {
    const item = bucket.items[i] as T;
    if (item.queueToken !== bucket.tokens[i]) return null;
    item.queuedDue = NOT_QUEUED;
    item.queueToken++;
    this.count--;
    return item;
  }

  /** Empties the queue, the entries of the last bucket taken included. */
  clear(): void {
    const buckets =
      this.taken === null ? this.heap : [...this.heap, this.taken];
    for (const bucket of buckets) {
      bucket.taken = true;
      const { tokens } = bucket;
      for (let i = 0; i < bucket.size; i++) {
        const item = bucket.item(i);
        if (item.queueToken !== tokens[i]) continue;
        item.queuedDue = NOT_QUEUED;
        item.queueToken++;
      }
    }
    this.taken = null;
    this.heap.length = 0;
    this.buckets.clear();
    this.lastAdded = null;
    this.count = 0;
  }

  private dropDead(): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0].live === 0) {
      const bucket = this.popTop();
      bucket.taken = true;
      this.buckets.delete(bucket.due);
    }
  }

  private push(bucket: DueBucket<T>): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(bucket);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].due <= bucket.due) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = bucket;
  }

  private popTop(): DueBucket<T> {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child =
        right < n && heap[right].due < heap[left].due ? right : left;
      if (heap[child].due >= last.due) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
