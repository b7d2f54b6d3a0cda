import { VirtualClock } from '../../../lib/clock/virtual-clock';
import type {
  ClusterListener,
  Coordinator,
} from '../../../lib/coordination/coordinator.interface';
import { setup, task, T0 } from './scheduler.fixtures';

/**
 * Two replicas sharing an in-memory store of paused tasks, told of changes a
 * turn later as the durable coordinators tell theirs; r0 owns every task.
 */
class PauseStore {
  readonly paused = new Map<string, string>();
  private readonly listeners = new Map<string, ClusterListener>();

  replica(id: string): Coordinator {
    const tell = (name: string) =>
      queueMicrotask(() => {
        for (const listener of this.listeners.values())
          listener.pauseChanged(name, this.paused.get(name) ?? null);
      });
    return {
      alignsToEpoch: true,
      replicaId: id,
      claim: () => Promise.resolve(id === 'r0' ? true : 'notOwner'),
      pauseTask: (name, reason) => {
        this.paused.set(name, reason);
        tell(name);
      },
      resumeTask: (name) => {
        this.paused.delete(name);
        tell(name);
      },
      watch: (listener) => {
        if (listener === null) this.listeners.delete(id);
        else this.listeners.set(id, listener);
      },
      lease: () => Promise.resolve(false),
      release: () => Promise.resolve(),
    };
  }
}

describe('pauseOnFailure under a durable coordinator', () => {
  it('should pause the task on every replica and resume it everywhere from a replica that does not run it', async () => {
    const clock = new VirtualClock(new Date(T0 + 300));
    const store = new PauseStore();
    let failing = true;
    const runs: number[] = [];
    const nodes = ['r0', 'r1'].map((id) => {
      const node = setup({ clock, coordinator: store.replica(id) });
      node.scheduler.addTask(
        task(
          'flaky',
          { type: 'every', seconds: 1 },
          (ctx) => {
            runs.push(ctx.scheduledAt.getTime() - T0);
            if (failing) throw new Error('down');
          },
          { pauseOnFailure: 2 },
        ),
      );
      return node;
    });
    await Promise.all(nodes.map((node) => node.scheduler.start()));

    await clock.advance(3_000);
    // r0 failed twice and paused it; r1 shows the same pause and reason.
    expect(runs).toEqual([1_000, 2_000]);
    const [owner, other] = nodes.map((node) => node.scheduler.getTask('flaky'));
    expect(owner.paused).toBe(true);
    expect(owner.pausedReason).toContain('flaky');
    expect(other).toMatchObject({
      paused: true,
      pausedReason: owner.pausedReason,
    });
    expect(store.paused.get('flaky')).toBe(owner.pausedReason);

    // Resumed on r1: r0 resumes too and counts from zero, so one more
    // failure does not pause it again.
    nodes[1].scheduler.resume('flaky');
    await clock.advance(1_000);
    expect(nodes[0].scheduler.getTask('flaky').paused).toBe(false);
    failing = false;
    await clock.advance(3_000);
    expect(runs).toEqual([1_000, 2_000, 4_000, 5_000, 6_000, 7_000]);
    for (const node of nodes)
      expect(node.scheduler.getTask('flaky').paused).toBe(false);
    expect(store.paused.size).toBe(0);
    await Promise.all(nodes.map((node) => node.scheduler.stop(0)));
  });
});

describe('pauseOnFailure when the store does not count the failed run', () => {
  it("should pause on this process's own count while countFailedRun rejects", async () => {
    const clock = new VirtualClock(new Date(T0 + 300));
    const store = new PauseStore();
    const coordinator: Coordinator = {
      ...store.replica('r0'),
      countFailedRun: () => Promise.reject(new Error('unreachable')),
    };
    const runs: number[] = [];
    const node = setup({ clock, coordinator });
    node.scheduler.addTask(
      task(
        'flaky',
        { type: 'every', seconds: 1 },
        (ctx) => {
          runs.push(ctx.scheduledAt.getTime() - T0);
          throw new Error('down');
        },
        { pauseOnFailure: 2 },
      ),
    );
    await node.scheduler.start();
    await clock.advance(3_000);
    expect(runs).toEqual([1_000, 2_000]);
    expect(node.scheduler.getTask('flaky').pausedReason).toContain(
      'after 2 consecutive failed runs',
    );
    expect(store.paused.get('flaky')).toContain('flaky');
    await node.scheduler.stop(0);
  });
});
