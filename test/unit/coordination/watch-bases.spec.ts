import { WatchBases } from '../../../lib/coordination/watch-bases';

describe('WatchBases', () => {
  it('should hold statements on a channel until every base read begun before them settles, and no others', async () => {
    const bases = new WatchBases();
    expect(bases.settled('a')).toBeNull();
    let answer!: (seq: number) => void;
    let fail!: (error: Error) => void;
    const first = bases.track(
      'a',
      () => new Promise<number>((r) => (answer = r)),
    );
    const second = bases.track(
      'a',
      () => new Promise<number>((_, reject) => (fail = reject)),
    );
    second.catch(() => undefined);
    expect(bases.settled('b')).toBeNull();
    const order: string[] = [];
    const waiting = bases.settled('a')!.then(() => order.push('statement'));
    answer(7);
    await expect(first).resolves.toBe(7);
    await Promise.resolve();
    expect(order).toEqual([]);
    fail(new Error('down'));
    await expect(second).rejects.toThrow('down');
    await waiting;
    expect(order).toEqual(['statement']);
    expect(bases.settled('a')).toBeNull();
  });

  it('should call the read at once, so it does not wait for itself', () => {
    const bases = new WatchBases();
    let seen: unknown = 'not called';
    void bases.track('a', () => {
      seen = bases.settled('a');
      return Promise.resolve(1);
    });
    expect(seen).toBeNull();
  });
});
