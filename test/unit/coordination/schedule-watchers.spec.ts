import {
  ScheduleWatchers,
  type ScheduleChange,
  type ScheduleChangeSource,
} from '../../../lib/coordination/schedule-watchers';

// A change log in memory standing for a backend whose first read of the
// last change number fails (a statement past its deadline on a loaded
// database): the change made meanwhile must still reach the listener.

class FlakyLog implements ScheduleChangeSource {
  readonly log: ScheduleChange[] = [];
  ids = new Set<string>();
  failFirstRead = true;
  private onLive: (() => void) | null = null;

  lastSeq(): Promise<number> {
    if (this.failFirstRead) {
      this.failFirstRead = false;
      return Promise.reject(new Error('no answer within 1000 ms'));
    }
    return Promise.resolve(this.log.length);
  }

  changesSince(seq: number): Promise<ScheduleChange[] | null> {
    return Promise.resolve(this.log.filter((change) => change.seq > seq));
  }

  allIds(): Promise<string[]> {
    return Promise.resolve([...this.ids]);
  }

  subscribe(
    _onChange: (change: ScheduleChange) => void,
    onLive: () => void,
  ): () => void {
    this.onLive = onLive;
    return () => undefined;
  }

  /** Another replica's change, whose message this one never got. */
  change(id: string): void {
    this.ids.add(id);
    this.log.push({ seq: this.log.length + 1, token: 'other', id });
  }

  live(): void {
    this.onLive?.();
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('ScheduleWatchers', () => {
  it('should tell a change made while its first read of the log failed, not drop it', async () => {
    const source = new FlakyLog();
    const watchers = new ScheduleWatchers('me', source);
    const heard: string[] = [];
    const stop = watchers.add((id) => heard.push(id));
    // The change lands before the subscription is live; the first read failed.
    source.change('c-1');
    source.live();
    await settle();
    expect(heard).toEqual(['c-1']);
    stop();
  });

  it('should replay only what came after its first read when that read worked', async () => {
    const source = new FlakyLog();
    source.failFirstRead = false;
    source.change('before');
    const watchers = new ScheduleWatchers('me', source);
    const heard: string[] = [];
    const stop = watchers.add((id) => heard.push(id));
    await settle();
    source.change('after');
    source.live();
    await settle();
    expect(heard).toEqual(['after']);
    stop();
  });

  it('should read the log on its resync period when the subscription never goes live (a pool without LISTEN)', async () => {
    const source = new FlakyLog();
    source.failFirstRead = false;
    const watchers = new ScheduleWatchers('me', source, 0, 20);
    const heard: string[] = [];
    const stop = watchers.add((id) => heard.push(id));
    await settle();
    source.change('c-1');
    // No live(): the messages never come.
    for (let i = 0; i < 50 && heard.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(heard).toEqual(['c-1']);
    stop();
  });
});
