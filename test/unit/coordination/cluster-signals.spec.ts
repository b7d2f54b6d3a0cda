import {
  ClusterSignals,
  type ClusterSignalIo,
} from '../../../lib/coordination/cluster-signals';

// The backend's pause hash as a Map, with an outage switch: a pause or
// resume made here while the backend refuses writes must not be undone by
// the next read of the (stale) stored pauses.

class PauseStore implements ClusterSignalIo {
  readonly stored = new Map<string, string>();
  down = false;

  publish(): Promise<unknown> {
    return this.down ? Promise.reject(new Error('down')) : Promise.resolve();
  }

  storePause(task: string, reason: string | null): Promise<unknown> {
    if (this.down) return Promise.reject(new Error('down'));
    if (reason === null) this.stored.delete(task);
    else this.stored.set(task, reason);
    return Promise.resolve();
  }

  readPaused(): Promise<[string, string][]> {
    return this.down
      ? Promise.reject(new Error('down'))
      : Promise.resolve([...this.stored]);
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function watched(store: PauseStore) {
  const signals = new ClusterSignals(store);
  const changes: [string, string | null][] = [];
  signals.watch({
    cancelRequested: () => undefined,
    runEndedElsewhere: () => undefined,
    pauseChanged: (task, reason) => changes.push([task, reason]),
  });
  return { signals, changes };
}

describe('ClusterSignals during an outage', () => {
  it('should keep a pause the backend refused, and store it once the backend answers', async () => {
    const store = new PauseStore();
    const { signals, changes } = watched(store);
    await settle();
    store.down = true;
    signals.pause('Jobs.p', 'failed 3 times');
    await settle();
    store.down = false;
    signals.refresh(); // the next heartbeat
    await settle();
    expect(changes).toEqual([]); // not resumed by the stale read
    expect(store.stored.get('Jobs.p')).toBe('failed 3 times');
  });

  it('should keep a resume the backend refused, and clear the stored pause once it answers', async () => {
    const store = new PauseStore();
    store.stored.set('Jobs.p', 'failed 3 times');
    const { signals, changes } = watched(store);
    await settle();
    expect(changes).toEqual([['Jobs.p', 'failed 3 times']]);
    store.down = true;
    signals.resume('Jobs.p');
    await settle();
    store.down = false;
    signals.refresh();
    await settle();
    expect(changes).toEqual([['Jobs.p', 'failed 3 times']]); // not paused again
    expect(store.stored.has('Jobs.p')).toBe(false);
  });
});

describe('ClusterSignals on a pool of connections', () => {
  it('should store a resume made while its pause is being written after it, never beside it', async () => {
    // Each write lands when the test says: on a pool, the later one could
    // commit first and leave the task paused after its resume.
    const landed: (string | null)[] = [];
    const pending: (() => void)[] = [];
    const io: ClusterSignalIo = {
      publish: () => Promise.resolve(),
      storePause: (_task, reason) =>
        new Promise((resolve) =>
          pending.push(() => {
            landed.push(reason);
            resolve(undefined);
          }),
        ),
      readPaused: () => Promise.resolve([]),
    };
    const signals = new ClusterSignals(io);
    signals.pause('Jobs.p', 'failed 3 times');
    signals.resume('Jobs.p');
    await settle();
    expect(pending).toHaveLength(1); // the resume waits for the pause's write
    pending.shift()!();
    await settle();
    expect(pending).toHaveLength(1);
    pending.shift()!();
    await settle();
    expect(landed).toEqual(['failed 3 times', null]);
  });
});
