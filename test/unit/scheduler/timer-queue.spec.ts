import {
  NOT_QUEUED,
  TimerQueue,
  type Queueable,
} from '../../../lib/scheduler/timer-queue';

class Item implements Queueable {
  queueToken = 0;
  queuedDue = NOT_QUEUED;
  constructor(readonly id: number) {}
}

const ids = (items: readonly (Item | null)[]): number[] =>
  items.map((item) => item!.id);

/** `take`, then every live entry dequeued, as the dispatch loop does: the bucket's items reduced to them. */
function takeDue(queue: TimerQueue<Item>, now: number) {
  const bucket = queue.take(now);
  if (bucket === null) return null;
  const items = bucket.items;
  let live = 0;
  for (let i = 0; i < bucket.size; i++) {
    const item = queue.dequeue(bucket, i);
    if (item !== null) items[live++] = item;
  }
  items.length = live;
  bucket.size = live;
  return bucket;
}

/** Items a and b due at 10, their bucket taken and a dequeued from it, as in the middle of a pass. */
function twoDueTakenFirstDequeued() {
  const queue = new TimerQueue<Item>();
  const [a, b] = [new Item(1), new Item(2)];
  queue.add(a, 10);
  queue.add(b, 10);
  const bucket = queue.take(10)!;
  expect(queue.dequeue(bucket, 0)).toBe(a);
  return { queue, a, b, bucket };
}

describe('TimerQueue', () => {
  it('should hand out buckets in due-time order, items of one due time in insertion order', () => {
    const queue = new TimerQueue<Item>();
    const items = [0, 1, 2, 3, 4].map((id) => new Item(id));
    queue.add(items[0], 30);
    queue.add(items[1], 10);
    queue.add(items[2], 30);
    queue.add(items[3], 20);
    queue.add(items[4], 10);

    expect(queue.peekDue()).toBe(10);
    expect(takeDue(queue, 9)).toBeNull();
    const first = takeDue(queue, 100)!;
    expect([first.due, ids(first.items)]).toEqual([10, [1, 4]]);
    expect(ids(takeDue(queue, 100)!.items)).toEqual([3]);
    expect(ids(takeDue(queue, 100)!.items)).toEqual([0, 2]);
    expect(takeDue(queue, 100)).toBeNull();
    expect(queue.size).toBe(0);
    expect(items.every((item) => item.queuedDue === NOT_QUEUED)).toBe(true);
  });

  it('should drop removed and moved items lazily, and skip buckets left empty', () => {
    const queue = new TimerQueue<Item>();
    const [a, b, c] = [new Item(1), new Item(2), new Item(3)];
    queue.add(a, 10);
    queue.add(b, 10);
    queue.add(c, 20);
    queue.remove(a);
    queue.add(b, 30); // moved
    expect(queue.size).toBe(2);
    expect(queue.peekDue()).toBe(20);

    queue.add(a, 20);
    expect(ids(takeDue(queue, 20)!.items)).toEqual([3, 1]);
    expect(ids(takeDue(queue, 30)!.items)).toEqual([2]);
    expect(queue.peekDue()).toBeNull();
  });

  it('should hand out a taken bucket’s entries one by one, passing over those removed or moved since it was taken', () => {
    const queue = new TimerQueue<Item>();
    const [a, b, c, d] = [1, 2, 3, 4].map((id) => new Item(id));
    for (const item of [a, b, c, d]) queue.add(item, 10);
    const bucket = queue.take(10)!;
    expect(queue.take(10)).toBeNull();
    expect(queue.size).toBe(4);
    expect(queue.dequeue(bucket, 0)).toBe(a);
    expect(a.queuedDue).toBe(NOT_QUEUED);
    // While the bucket is gone through: b removed, c queued again at the same due time.
    expect(c.queuedDue).toBe(10);
    queue.remove(b);
    queue.add(c, 10);
    expect(queue.dequeue(bucket, 1)).toBeNull();
    expect(queue.dequeue(bucket, 2)).toBeNull();
    expect(queue.dequeue(bucket, 3)).toBe(d);
    expect(queue.size).toBe(1);
    expect(ids(takeDue(queue, 10)!.items)).toEqual([3]);
    expect(queue.size).toBe(0);
  });

  it('should reuse a released bucket for a later due time, holding its new entries only and none of the old', () => {
    const queue = new TimerQueue<Item>();
    const items = [1, 2, 3, 4, 5].map((id) => new Item(id));
    for (const item of items.slice(0, 4)) queue.add(item, 10);
    const first = queue.take(10)!;
    for (let i = 0; i < first.size; i++) queue.dequeue(first, i);
    queue.release(first);
    // The released bucket keeps no item alive.
    expect(first.items.slice(0, 4)).toEqual([null, null, null, null]);

    queue.add(items[4], 20);
    queue.add(items[0], 20);
    const second = takeDue(queue, 20)!;
    expect(second).toBe(first); // reused, arrays included
    expect([second.due, ids(second.items)]).toEqual([20, [5, 1]]);
    expect(queue.size).toBe(0);
  });

  it('should count an item queued again at a released bucket’s due time in its new bucket only', () => {
    const { queue, a, b, bucket } = twoDueTakenFirstDequeued();
    queue.add(a, 10); // a run queues its task again for the same due time
    expect(queue.dequeue(bucket, 1)).toBe(b);
    queue.release(bucket);

    queue.remove(a);
    expect(queue.peekDue()).toBeNull();
    expect(queue.size).toBe(0);
  });

  it('should clear the entries of a bucket still being gone through', () => {
    const { queue, b, bucket } = twoDueTakenFirstDequeued();
    queue.clear();
    expect(queue.dequeue(bucket, 1)).toBeNull();
    expect(b.queuedDue).toBe(NOT_QUEUED);
    expect(queue.size).toBe(0);
  });

  it('should hold 100 000 items and return them sorted, with one bucket per distinct due time', () => {
    const queue = new TimerQueue<Item>();
    let seed = 42;
    const random = (): number =>
      (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const items = Array.from({ length: 100_000 }, (_, id) => new Item(id));
    for (const item of items) queue.add(item, random() % 50_000);
    expect(queue.size).toBe(100_000);

    let previous = -1;
    let total = 0;
    let sorted = true;
    for (
      let bucket = takeDue(queue, Infinity);
      bucket !== null;
      bucket = takeDue(queue, Infinity)
    ) {
      if (bucket.due <= previous) sorted = false;
      previous = bucket.due;
      total += bucket.items.length;
    }
    expect(sorted).toBe(true);
    expect(total).toBe(100_000);
  });

  it('should never add to a bucket that has left the queue, even the one it added to last', () => {
    const queue = new TimerQueue<Item>();
    const [a, b, c] = [new Item(1), new Item(2), new Item(3)];
    queue.add(a, 10);
    const fired = takeDue(queue, 10)!;
    queue.add(b, 10); // same due time as the bucket just taken
    expect(ids(fired.items)).toEqual([1]);
    expect(ids(takeDue(queue, 10)!.items)).toEqual([2]);

    queue.add(c, 40);
    queue.remove(c);
    expect(queue.peekDue()).toBeNull(); // the emptied bucket is dropped
    queue.add(c, 40);
    expect(queue.peekDue()).toBe(40);
    expect(ids(takeDue(queue, 40)!.items)).toEqual([3]);
  });

  it('should count a removal against the bucket that holds the entry while a bucket of the same due time is dispatched', () => {
    const queue = new TimerQueue<Item>();
    const [a, b, c] = [new Item(1), new Item(2), new Item(3)];
    queue.add(a, 10);
    queue.add(b, 10);
    const taken = queue.take(10)!; // the dispatch loop has reached a, not b
    expect(queue.dequeue(taken, 0)).toBe(a);
    queue.add(c, 10); // queued by a's run for the same due time: a new bucket
    queue.remove(b); // still pending in the bucket being dispatched
    expect(queue.dequeue(taken, 1)).toBeNull();
    expect(queue.peekDue()).toBe(10); // c's bucket is still live
    expect(ids(takeDue(queue, 10)!.items)).toEqual([3]);
    expect(queue.size).toBe(0);

    // An entry in the new bucket is counted there.
    queue.add(a, 20);
    const next = queue.take(20)!;
    queue.add(b, 20);
    queue.remove(b);
    expect(queue.dequeue(next, 0)).toBe(a);
    expect(queue.peekDue()).toBeNull();
  });

  it('should clear every item', () => {
    const queue = new TimerQueue<Item>();
    const item = new Item(1);
    queue.add(item, 5);
    queue.clear();

    expect(queue.size).toBe(0);
    expect(item.queuedDue).toBe(NOT_QUEUED);
    expect(queue.peekDue()).toBeNull();
    queue.add(item, 7);
    expect(ids(takeDue(queue, 7)!.items)).toEqual([1]);
  });
});
