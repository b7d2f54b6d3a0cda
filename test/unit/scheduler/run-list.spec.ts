import { RunList } from '../../../lib/scheduler/run-list';
import { Run } from '../../../lib/scheduler/task-state';

// RunList only touches prev/next, so a bare object with those fields stands in for a Run.
const run = (): Run => ({ prev: null, next: null }) as unknown as Run;

describe('RunList', () => {
  it('should keep runs in insertion order and count them', () => {
    const list = new RunList();
    const [a, b, c] = [run(), run(), run()];
    list.add(a);
    list.add(b);
    list.add(c);
    expect(list.size).toBe(3);
    expect(list.toArray()).toEqual([a, b, c]);
  });

  it('should remove a run from the head, the middle and the tail', () => {
    const list = new RunList();
    const [a, b, c, d] = [run(), run(), run(), run()];
    for (const r of [a, b, c, d]) list.add(r);
    list.delete(b);
    expect(list.toArray()).toEqual([a, c, d]);
    list.delete(a);
    expect(list.toArray()).toEqual([c, d]);
    list.delete(d);
    expect(list.toArray()).toEqual([c]);
    list.delete(c);
    expect(list.size).toBe(0);
    expect(list.toArray()).toEqual([]);
    expect([a, b, c, d].every((r) => r.prev === null && r.next === null)).toBe(
      true,
    );
  });

  it('should accept new runs after being emptied, and let a snapshot be walked while runs are removed', () => {
    const list = new RunList();
    const [a, b] = [run(), run()];
    list.add(a);
    list.delete(a);
    list.add(b);
    list.add(a);
    const seen: Run[] = [];
    for (const r of list.toArray()) {
      seen.push(r);
      list.delete(r);
    }
    expect(seen).toEqual([b, a]);
    expect(list.size).toBe(0);
  });
});
