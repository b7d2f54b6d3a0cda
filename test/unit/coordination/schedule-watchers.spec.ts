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
  /** The `seq` of each replay asked for, and how many times the last number was read. */
  readonly replays: number[] = [];
  lastReads = 0;
  private onLive: (() => void) | null = null;
  private onChange: ((change: ScheduleChange) => void) | null = null;

  lastSeq(): Promise<number> {
    this.lastReads++;
    if (this.failFirstRead) {
      this.failFirstRead = false;
      return Promise.reject(new Error('no answer within 1000 ms'));
    }
    return Promise.resolve(this.log.length);
  }

  changesSince(seq: number): Promise<ScheduleChange[] | null> {
    this.replays.push(seq);
    return Promise.resolve(this.log.filter((change) => change.seq > seq));
  }

  allIds(): Promise<string[]> {
    return Promise.resolve([...this.ids]);
  }

  subscribe(
    onChange: (change: ScheduleChange) => void,
    onLive: () => void,
  ): () => void {
    this.onChange = onChange;
    this.onLive = onLive;
    return () => undefined;
  }

  /** Another replica's change, whose message this one never got. */
  change(id: string): void {
    this.ids.add(id);
    this.log.push({ seq: this.log.length + 1, token: 'other', id });
  }

  /** Another replica's change, whose message this one gets. */
  announce(id: string): void {
    this.change(id);
    this.onChange?.(this.log[this.log.length - 1]);
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

  it('should check the log on its resync period against the last change it heard, not its first read', async () => {
    const source = new FlakyLog();
    source.failFirstRead = false;
    const watchers = new ScheduleWatchers('me', source, 0, 20);
    const heard: string[] = [];
    const stop = watchers.add((id) => heard.push(id));
    source.live();
    await settle();
    source.announce('c-1');
    expect(heard).toEqual(['c-1']);
    const replays = source.replays.length;
    // Three resync periods: the log is not ahead of what was heard.
    const reads = source.lastReads;
    while (source.lastReads < reads + 3)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(source.replays.slice(replays)).toEqual([]);
    expect(heard).toEqual(['c-1']);
    stop();
  });
});
