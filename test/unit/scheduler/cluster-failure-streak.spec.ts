import { VirtualClock } from '../../../lib/clock/virtual-clock';
import type {
  Coordinator,
  DeclaredTask,
} from '../../../lib/coordination/coordinator.interface';
import { assignOwners } from '../../../lib/coordination/rendezvous-ownership';
import type { TaskContext } from '../../../lib/interfaces/task-context.interface';
import { PGliteDatabase, pgliteForSuite } from '../../src/postgres/pglite';
import { describeWithPostgres } from '../../src/postgres/postgres-test-env';
import {
  pgliteStore,
  postgresStore,
  redisStore,
} from '../../src/replicas/durable-stores';
import { describeWithRedis } from '../../src/replicas/redis-test-env';
import { setup, task } from './scheduler.fixtures';

// pauseOnFailure under a durable coordinator counts the cluster's failed runs
// in a row, not this process's: when the task moves to another replica, the
// new owner goes on from the streak the old one left, and a success on any
// replica ends it. Schedulers on VirtualClocks, coordinators on a real store.

/** A durable coordinator on one shared store, per replica id. */
type Store = {
  member(id: string): Coordinator & { leave(): Promise<void> };
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (real time: the store's round trips) until `done`, at most 5 s. */
async function eventually(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(10);
  expect(done()).toBe(true);
}

const MINUTE = 60_000;
const START = Date.parse('2024-03-31T08:00:00Z');
const NAME = 'Jobs.flaky';

const streakSuite = (makeStore: () => Promise<Store>) => () => {
  let store: Store;
  let stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    store = await makeStore();
  });

  afterEach(async () => {
    for (const stop of stops) await stop();
    stops = [];
    await store.close();
  });

  /** A replica running `Jobs.flaky` (every minute, pauseOnFailure: 3), joined and started. */
  async function replica(
    id: string,
    clock: VirtualClock,
    invoke: (ctx: TaskContext) => unknown,
  ) {
    const coordinator = store.member(id);
    const node = setup({ clock, coordinator });
    node.scheduler.addTask(
      task(NAME, { type: 'every', minutes: 1 }, invoke, {
        pauseOnFailure: 3,
      }),
    );
    const declared: DeclaredTask[] = [
      { name: NAME, maxLoopCount: null, overlap: 'skip' },
    ];
    await coordinator.join!(declared);
    await node.scheduler.start();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await coordinator.leave();
      await node.scheduler.stop(1_000);
    };
    stops.push(stop);
    /** How this replica handled the due time `due`: an event's type, or null yet. */
    const outcome = (due: number) =>
      node.events.find(
        (event) =>
          event.scheduledAt.getTime() === due &&
          (event.type === 'failed' ||
            event.type === 'succeeded' ||
            event.type === 'skipped'),
      )?.type ?? null;
    return { ...node, coordinator, stop, outcome };
  }

  const failing = () => {
    throw new Error('down');
  };

  it('should pause on the new owner when its first failure makes the cluster streak reach pauseOnFailure', async () => {
    const clock = new VirtualClock(new Date(START));
    const a = await replica('a', clock, failing);
    for (const m of [1, 2]) {
      await clock.advance(MINUTE);
      await eventually(() => a.outcome(START + m * MINUTE) === 'failed');
    }
    expect(a.scheduler.getTask(NAME).paused).toBe(false);
    await a.stop();

    // The task moves to b: its first failure is the cluster's third in a row.
    const b = await replica('b', clock, failing);
    await clock.advance(MINUTE);
    await eventually(() => b.outcome(START + 3 * MINUTE) === 'failed');
    await eventually(() => b.scheduler.getTask(NAME).paused);
    expect(b.scheduler.getTask(NAME).pausedReason).toContain(
      'after 3 consecutive failed runs',
    );
    await clock.advance(MINUTE);
    await eventually(() => b.outcome(START + 4 * MINUTE) === 'skipped');
  });

  it("should end the streak with another replica's success, and start it afresh on resume", async () => {
    // Two replica ids for which the second one owns the task while both are members.
    let ids = ['', ''];
    for (let i = 0; ids[0] === ''; i++) {
      const pair = [`a${i}`, `b${i}`];
      const owners = assignOwners(
        pair.map((id) => ({ id, tasks: new Set([NAME]) })),
      );
      if (owners.get(NAME) === pair[1]) ids = pair;
    }
    const clock = new VirtualClock(new Date(START));
    const at = (m: number) => START + m * MINUTE;
    const a = await replica(ids[0], clock, failing);
    for (const m of [1, 2]) {
      await clock.advance(MINUTE);
      await eventually(() => a.outcome(at(m)) === 'failed');
    }

    // b joins, owns the task and runs it well: the streak of 2 ends.
    const b = await replica(ids[1], clock, () => undefined);
    await eventually(() => a.coordinator.ownerOf!(NAME) === ids[1]);
    await clock.advance(MINUTE);
    await eventually(() => b.outcome(at(3)) === 'succeeded');
    await b.stop();
    await eventually(() => a.coordinator.ownerOf!(NAME) === ids[0]);

    // Back on a: three more failures pause it, not one.
    for (const m of [4, 5, 6]) {
      await clock.advance(MINUTE);
      await eventually(() => a.outcome(at(m)) === 'failed');
    }
    await eventually(() => a.scheduler.getTask(NAME).paused);
    expect(a.scheduler.getTask(NAME).pausedReason).toContain(
      'after 3 consecutive failed runs',
    );

    // Resumed: the cluster counts from zero again, so one failure does not pause it.
    a.scheduler.resume(NAME);
    for (const m of [7, 8]) {
      await clock.advance(MINUTE);
      await eventually(() => a.outcome(at(m)) === 'failed');
    }
    expect(a.scheduler.getTask(NAME).paused).toBe(false);
  });

  it('should tell each failed run of one turn the streak with it, a success of the same turn after it included', async () => {
    const coordinator = store.member('a');
    stops.push(() => coordinator.leave());
    await coordinator.join!([
      { name: NAME, maxLoopCount: null, overlap: 'allow' },
    ]);
    // Runs of an `overlap: 'allow'` task ending together: one failed for
    // good, another failed for good, then one succeeded, then one failed.
    const first = coordinator.countFailedRun!(NAME);
    const second = coordinator.countFailedRun!(NAME);
    coordinator.recordRun!(
      NAME,
      START,
      START,
      START + 10,
      'succeeded',
      undefined,
    );
    const third = coordinator.countFailedRun!(NAME);
    expect(await Promise.all([first, second, third])).toEqual([1, 2, 1]);
  });
};

describe('pauseOnFailure over the cluster on PostgreSQL (PGlite)', () => {
  let db: PGliteDatabase;
  let schemas = 0;

  pgliteForSuite((opened) => (db = opened));

  streakSuite(() =>
    Promise.resolve(pgliteStore(db, `failure_streak_${++schemas}`)),
  )();
});

describeWithPostgres(
  'pauseOnFailure over the cluster on PostgreSQL',
  streakSuite(() => Promise.resolve(postgresStore('failure_streak'))),
);

describeWithRedis(
  'pauseOnFailure over the cluster on Redis',
  streakSuite(() => Promise.resolve(redisStore('aioclock-failure-streak'))),
);
