import { runCancelled } from '../../../lib/aioclock.messages';
import { VirtualClock } from '../../../lib/clock/virtual-clock';
import type {
  ClaimAnswer,
  ClusterListener,
  Coordinator,
} from '../../../lib/coordination/coordinator.interface';
import type { OverlapPolicy } from '../../../lib/interfaces/task-options.interface';
import { abortableSleep, setup, task, T0 } from './scheduler.fixtures';

/**
 * Two replicas sharing one in-memory cluster store: an owner, the per-due-time
 * fence and the running marks, as the Redis and PostgreSQL coordinators keep
 * them, and the signals they send (delivered a turn later, like a channel).
 */
class ClusterStore {
  owner = 'r0';

  /** @param marks whether runs are marked in flight (overlap other than 'allow') */
  constructor(private readonly marks: boolean) {}

  private readonly claims = new Set<string>();
  private readonly running = new Map<string, string>();
  private readonly listeners = new Map<string, ClusterListener>();

  replica(id: string): Coordinator {
    const others = (send: (listener: ClusterListener) => void) =>
      queueMicrotask(() => {
        for (const [other, listener] of this.listeners)
          if (other !== id) send(listener);
      });
    return {
      alignsToEpoch: true,
      replicaId: id,
      claim: (name, dueAt): Promise<ClaimAnswer> => {
        if (this.owner !== id) return Promise.resolve('notOwner');
        const key = `${name}@${dueAt}`;
        if (this.claims.has(key)) return Promise.resolve(false);
        const holder = this.running.get(name);
        if (this.marks && holder !== undefined && holder !== id)
          return Promise.resolve('busy');
        this.claims.add(key);
        if (this.marks) this.running.set(name, id);
        return Promise.resolve(true);
      },
      runEnded: (name) => {
        if (this.running.get(name) !== id) return;
        this.running.delete(name);
        others((listener) => listener.runEndedElsewhere(name));
      },
      requestCancel: (name) =>
        others((listener) => listener.cancelRequested(name)),
      watch: (listener) => {
        if (listener === null) this.listeners.delete(id);
        else this.listeners.set(id, listener);
      },
      lease: () => Promise.resolve(false),
      release: () => Promise.resolve(),
    };
  }
}

/** A task due every second whose runs take 2.5 s (ending early when aborted), on two replicas. */
async function cluster(overlap: OverlapPolicy) {
  const clock = new VirtualClock(new Date(T0 + 300));
  const store = new ClusterStore(overlap !== 'allow');
  const starts: string[] = [];
  const aborted: string[] = [];
  const nodes = ['r0', 'r1'].map((id) => {
    const node = setup({ clock, coordinator: store.replica(id) });
    node.scheduler.addTask(
      task(
        'slow',
        { type: 'every', seconds: 1 },
        async (ctx) => {
          const due = ctx.scheduledAt.getTime() - T0;
          starts.push(`${id} ${due}@${clock.timestamp() - T0}`);
          try {
            await abortableSleep(clock, 2_500, ctx.signal);
          } catch (error) {
            aborted.push(`${id} ${due}: ${(error as Error).message}`);
            throw error;
          }
        },
        { overlap },
      ),
    );
    return node;
  });
  await Promise.all(nodes.map((node) => node.scheduler.start()));
  // r0 starts due 1000 at 1000 (until 3500); at 1500 the task moves to r1.
  await clock.advance(1_200);
  store.owner = 'r1';
  await clock.advance(5_000 - 1_500);
  return { starts, aborted, nodes };
}

describe('Cluster-wide overlap (a run in flight on another replica)', () => {
  // r1 skips due 1000 as 'claimed' (r0 owned the task then).
  it.each<[OverlapPolicy, string[], string[], number[]]>([
    // Busy due times 2000 and 3000 are skipped; 4000 runs when due (5000
    // finds it running here).
    [
      'skip',
      ['r0 1000@1000', 'r1 4000@4000'],
      [],
      [1_000, 2_000, 3_000, 5_000],
    ],
    // One held (2000), started when r0's run ended; 3000 refused while it is
    // held, 4000 buffered here behind it, 5000 refused.
    ['bufferOne', ['r0 1000@1000', 'r1 2000@3500'], [], [1_000, 3_000, 5_000]],
    // 2000 and 3000 held in order: 2000 at r0's end, the rest behind it here.
    ['bufferAll', ['r0 1000@1000', 'r1 2000@3500'], [], [1_000]],
    // r1 asks r0 to abort its run; the newest due time starts once it ended.
    [
      'cancelOther',
      [
        'r0 1000@1000',
        'r1 2000@2000',
        'r1 3000@3000',
        'r1 4000@4000',
        'r1 5000@5000',
      ],
      [
        `r0 1000: ${runCancelled('slow')}`,
        `r1 2000: ${runCancelled('slow')}`,
        `r1 3000: ${runCancelled('slow')}`,
        `r1 4000: ${runCancelled('slow')}`,
      ],
      [1_000],
    ],
    // Nothing is marked: r1 runs while r0 still does.
    [
      'allow',
      [
        'r0 1000@1000',
        'r1 2000@2000',
        'r1 3000@3000',
        'r1 4000@4000',
        'r1 5000@5000',
      ],
      [],
      [1_000],
    ],
  ])('%s', async (policy, starts, aborted, skipped) => {
    const run = await cluster(policy);
    expect(run.starts).toEqual(starts);
    expect(run.aborted).toEqual(aborted);
    expect(
      run.nodes[1].events
        .filter((event) => event.type === 'skipped')
        .map((event) => event.scheduledAt.getTime() - T0),
    ).toEqual(skipped);
    await Promise.all(run.nodes.map((node) => node.scheduler.stop(0)));
  });
});
