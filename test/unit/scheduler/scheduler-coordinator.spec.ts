import { VirtualClock } from '../../../lib/clock/virtual-clock';
import type { Coordinator } from '../../../lib/coordination/coordinator.interface';
import { FOREVER_LEASE_TTL_MS } from '../../../lib/scheduler/scheduler.constants';
import { ManualClock, setup, task, T0 } from './scheduler.fixtures';

/** Replicas sharing one in-memory store, as replicas share Redis. */
class MemoryStore {
  readonly claims = new Map<string, string>();
  readonly leases = new Map<string, { owner: string; until: number }>();
  readonly asked: { task: string; dueAt: number; periodMs: number | null }[] =
    [];
  /** When set, every call rejects with it. */
  outage: Error | null = null;

  constructor(private readonly clock: VirtualClock) {}

  replica(id: string): Coordinator {
    return {
      alignsToEpoch: true,
      claim: (taskName, dueAt, periodMs) => {
        this.asked.push({ task: taskName, dueAt, periodMs });
        if (this.outage) return Promise.reject(this.outage);
        const key = `${taskName}@${dueAt}`;
        if (this.claims.has(key)) return Promise.resolve(false);
        this.claims.set(key, id);
        return Promise.resolve(true);
      },
      lease: (taskName, ttlMs) => {
        if (this.outage) return Promise.reject(this.outage);
        const now = this.clock.timestamp();
        const lease = this.leases.get(taskName);
        if (lease && lease.owner !== id && lease.until > now)
          return Promise.resolve(false);
        this.leases.set(taskName, { owner: id, until: now + ttlMs });
        return Promise.resolve(true);
      },
      release: (taskName) => {
        if (this.leases.get(taskName)?.owner === id)
          this.leases.delete(taskName);
        return Promise.resolve();
      },
    };
  }
}

function replicas(count: number) {
  const clock = new VirtualClock(new Date(T0 + 300));
  const store = new MemoryStore(clock);
  const nodes = Array.from({ length: count }, (_, i) =>
    setup({ clock, coordinator: store.replica(`r${i}`) }),
  );
  return { clock, store, nodes };
}

describe('Scheduler with a coordinator', () => {
  it.each(['skip', 'bufferOne'] as const)(
    'should not claim a due time its %s policy drops while the task runs here (a won claim counts as a run)',
    async (overlap) => {
      const { clock, store, nodes } = replicas(1);
      const [{ scheduler }] = nodes;
      let runs = 0;
      let release: (() => void) | null = null;
      scheduler.addTask(
        task(
          'slow',
          { type: 'every', seconds: 1, maxLoopCount: 3 } as never,
          () => {
            runs++;
            // The first run overruns the next two due times.
            if (runs === 1)
              return new Promise<void>((resolve) => (release = resolve));
            return undefined;
          },
          { overlap },
        ),
      );
      await scheduler.start();
      await clock.advance(3_200);
      release!();
      await clock.advance(5_000);
      expect(runs).toBe(3);
      // Only the due times that ran (or waited to run) were claimed.
      expect(store.asked).toHaveLength(3);
      expect(scheduler.getTask('slow').finished).toBe(true);
      await scheduler.stop(0);
    },
  );

  it('should run each due run on exactly one replica, the others reporting it claimed elsewhere', async () => {
    const { clock, store, nodes } = replicas(2);
    const ran: string[] = [];
    for (const [i, node] of nodes.entries()) {
      node.scheduler.addTask(
        task('sync', { type: 'every', seconds: 1 }, (ctx) =>
          ran.push(`${ctx.scheduledAt.getTime() - T0}`),
        ),
      );
      await node.scheduler.start();
      if (i === 0) await clock.advance(400); // the second replica starts later
    }

    await clock.advance(5_000);

    // Aligned to the epoch: both replicas agree on the due times, whenever they started.
    expect(ran).toEqual(['1000', '2000', '3000', '4000', '5000']);
    const skipped = nodes.flatMap((n) =>
      n.events.filter((e) => e.type === 'skipped'),
    );
    expect(skipped.map((e) => e.reason)).toEqual(
      Array(5).fill('claimed by another replica'),
    );
    expect(store.asked.every((a) => a.periodMs === 1_000)).toBe(true);
    for (const node of nodes) await node.scheduler.stop(0);
  });

  it('should count runs claimed by another replica against maxLoopCount', async () => {
    const { clock, nodes } = replicas(2);
    let runs = 0;
    for (const node of nodes) {
      node.scheduler.addTask(
        task(
          'four',
          { type: 'every', seconds: 1, maxLoopCount: 4 },
          () => runs++,
        ),
      );
      await node.scheduler.start();
    }

    await clock.advance(10_000);

    expect(runs).toBe(4);
    for (const node of nodes) {
      expect(node.scheduler.getTask('four')).toMatchObject({
        finished: true,
        nextRunAt: null,
      });
      // Counted when claimed: no fifth due time is ever queued.
      expect(node.offsets('scheduled')).toEqual([1_000, 2_000, 3_000, 4_000]);
    }
    expect(clock.pendingTimers()).toBe(0);
  });

  it('should skip runs while the coordinator is unreachable, report them failed, and log the outage once', async () => {
    const { clock, store, nodes } = replicas(1);
    const [{ scheduler, logger, events }] = nodes;
    let runs = 0;
    scheduler.addTask(
      task('sync', { type: 'every', seconds: 1 }, () => runs++),
    );
    await scheduler.start();
    await clock.advance(1_000);

    store.outage = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    await clock.advance(3_000);
    expect(runs).toBe(1);
    expect(scheduler.getTask('sync')).toMatchObject({
      runs: 1,
      failures: 3,
      skipped: 0,
    });
    expect(
      events.filter((e) => e.type === 'failed').map((e) => e.error),
    ).toEqual(Array(3).fill(store.outage));

    store.outage = null;
    await clock.advance(2_000);

    expect(runs).toBe(3);
    expect(logger.lines.map((l) => `${l.level}: ${l.message}`)).toEqual([
      'error: Coordinator unavailable: connect ECONNREFUSED 127.0.0.1:6379; due runs are skipped on this replica until it answers again',
      'log: Coordinator reachable again; due runs are claimed normally',
    ]);
    await scheduler.stop(0);
  });

  it('should start a due time the coordinator already holds (claimHeld) inside the pass, without a claim', async () => {
    const clock = new ManualClock(T0 + 300);
    const store = new MemoryStore(new VirtualClock(new Date(T0)));
    const held: number[] = [];
    const coordinator: Coordinator = {
      ...store.replica('r0'),
      // Every second due time is held (fenced ahead); the others are claimed.
      claimHeld: (_task, dueAt) => {
        if ((dueAt - T0) % 2_000 !== 0) return false;
        held.push(dueAt - T0);
        return true;
      },
    };
    const node = setup({ clock, coordinator });
    const order: string[] = [];
    node.scheduler.addTask(
      task('sync', { type: 'every', seconds: 1 }, (ctx) =>
        order.push(`run ${ctx.scheduledAt.getTime() - T0}`),
      ),
    );
    await node.scheduler.start();
    for (let due = 1_000; due <= 4_000; due += 1_000) {
      clock.set(T0 + due);
      clock.fire();
      // Before any microtask: only a held due time has started.
      order.push(`pass ${due} over`);
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(order).toEqual([
      'pass 1000 over',
      'run 1000',
      'run 2000',
      'pass 2000 over',
      'pass 3000 over',
      'run 3000',
      'run 4000',
      'pass 4000 over',
    ]);
    expect(held).toEqual([2_000, 4_000]);
    expect(store.asked.map((a) => a.dueAt - T0)).toEqual([1_000, 3_000]);
    expect(node.offsets('succeeded')).toEqual([1_000, 2_000, 3_000, 4_000]);
    await node.scheduler.stop(0);
  });

  it('should not claim once tasks or requested runs', async () => {
    const { clock, store, nodes } = replicas(1);
    const [{ scheduler }] = nodes;
    scheduler.addTask(task('boot', { type: 'once' }));
    scheduler.addTask(task('manual', { type: 'every', hours: 1 }));
    await scheduler.start();
    await clock.advance(0);
    await scheduler.runTask('manual');

    expect(store.asked).toEqual([]);
    expect(scheduler.getTask('boot').runs).toBe(1);
    await scheduler.stop(0);
  });

  it('should run a forever task only on the lease holder and hand it over when that replica stops', async () => {
    const { clock, store, nodes } = replicas(2);
    const loops = [0, 0];
    for (const [i, node] of nodes.entries()) {
      node.scheduler.addTask(
        task('pump', { type: 'forever' }, () => loops[i]++),
      );
      await node.scheduler.start();
    }

    await clock.advance(FOREVER_LEASE_TTL_MS);
    expect(loops[0]).toBeGreaterThan(0);
    expect(loops[1]).toBe(0);

    await nodes[0].scheduler.stop(0);
    expect(store.leases.has('pump')).toBe(false);
    const handedOver = loops[0];
    await clock.advance(FOREVER_LEASE_TTL_MS / 2);

    expect(loops[1]).toBeGreaterThan(0);
    expect(loops[0]).toBe(handedOver);
    await nodes[1].scheduler.stop(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
