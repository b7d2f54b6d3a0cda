import { VirtualClock } from '../../../lib/clock/virtual-clock';
import type {
  Coordinator,
  DeclaredTask,
} from '../../../lib/coordination/coordinator.interface';
import type { TaskContext } from '../../../lib/interfaces/task-context.interface';
import type { TriggerSpec } from '../../../lib/interfaces/trigger-spec.interface';
import type { TaskDefinition } from '../../../lib/scheduler/task-definition';
import { PGliteDatabase, pgliteForSuite } from '../../src/postgres/pglite';
import { pgliteStore, redisStore } from '../../src/replicas/durable-stores';
import { describeWithRedis } from '../../src/replicas/redis-test-env';
import { assignOwners } from '../../../lib/coordination/rendezvous-ownership';
import { deferred, setup, task } from './scheduler.fixtures';

// Catch-up of due times missed while no replica ran a task, in process: a
// VirtualClock moves time while every "replica" (a scheduler and its durable
// coordinator) is stopped, then a new one starts on the same store. Run
// against a real store: PostgreSQL on PGlite (always) and Redis (when there).

/** A durable coordinator on one shared store, per replica id. */
type Store = {
  member(id: string): Coordinator & {
    refreshClusterState(): Promise<void>;
    leave(): Promise<void>;
  };
  close(): Promise<void>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (real time: the store's round trips) until `done`, at most 5 s. */
async function eventually(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(10);
  expect(done()).toBe(true);
}

const MINUTE = 60_000;
/** 2024-03-31T08:00:00Z. */
const START = Date.parse('2024-03-31T08:00:00Z');

interface Ran {
  name: string;
  due: number;
  catchUp: boolean;
  replica: string;
}

const catchUpSuite = (makeStore: () => Promise<Store>) => () => {
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

  /** A replica: a scheduler on `clock` with `defs`, joined and started. */
  async function replica(
    id: string,
    clock: VirtualClock,
    defs: TaskDefinition[],
  ) {
    const coordinator = store.member(id);
    const { scheduler, logger } = setup({ clock, coordinator });
    for (const def of defs) scheduler.addTask(def);
    const declared: DeclaredTask[] = defs.map((def) => ({
      name: def.name,
      maxLoopCount: null,
      overlap: def.overlap ?? 'skip',
    }));
    await coordinator.join!(declared);
    await scheduler.start();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await coordinator.leave();
      await scheduler.stop(1_000);
    };
    stops.push(stop);
    return { scheduler, logger, coordinator, stop };
  }

  const recording =
    (ran: Ran[]) =>
    (ctx: TaskContext): void => {
      ran.push({
        name: ctx.name,
        due: ctx.scheduledAt.getTime(),
        catchUp: ctx.catchUp,
        replica: ctx.replica,
      });
    };

  it('should catch a missed daily @At up after a restart within the window', async () => {
    const clock = new VirtualClock(new Date(START));
    const ran: Ran[] = [];
    const daily: TriggerSpec = { type: 'at', hour: 9, minute: 0, second: 0 };
    const defs = () => [task('Reports.daily', daily, recording(ran))];
    const first = await replica('a', clock, defs());
    await clock.advanceTo(new Date('2024-03-31T09:00:01Z'));
    await eventually(() => ran.length === 1);
    await first.stop();

    // Down across the next day's 09:00; back at 11:00.
    await clock.advanceTo(new Date('2024-04-01T11:00:00Z'));
    const second = await replica('b', clock, defs());
    await eventually(() => ran.length === 2);
    expect(ran[1]).toEqual({
      name: 'Reports.daily',
      due: Date.parse('2024-04-01T09:00:00Z'),
      catchUp: true,
      replica: 'b',
    });
    // Once: a second start on the same store has nothing left to catch up.
    await second.stop();
    await replica('c', clock, defs());
    await sleep(200);
    expect(ran).toHaveLength(2);
  });

  it("should fire the latest missed due time under 'latest', each under 'all', none under 'none', and record the rest as missed", async () => {
    const clock = new VirtualClock(new Date(START));
    const ran: Ran[] = [];
    const minute: TriggerSpec = { type: 'every', minutes: 1 };
    const defs = () => [
      task('Jobs.latest', minute, recording(ran)),
      task('Jobs.all', minute, recording(ran), { catchUp: 'all' }),
      task('Jobs.none', minute, recording(ran), { catchUp: 'none' }),
      // 'all' within 140 s of 08:07:30: 08:05 and earlier are outside it.
      task('Jobs.window', minute, recording(ran), {
        catchUp: 'all',
        catchUpWindow: 140_000,
      }),
    ];
    const first = await replica('a', clock, defs());
    await clock.advance(2 * MINUTE);
    await eventually(() => ran.length === 8);
    await first.stop();
    const before = ran.length;

    // Down for 08:03 … 08:07; back at 08:07:30 (the next due time, 08:08, runs as usual).
    await clock.advanceTo(new Date('2024-03-31T08:07:30Z'));
    const second = await replica('b', clock, defs());
    const at = (m: number) => START + m * MINUTE;
    const caughtUp = (name: string) =>
      ran
        .slice(before)
        .filter((run) => run.name === name)
        .map((run) => run.due);
    await eventually(
      () =>
        caughtUp('Jobs.all').length === 5 &&
        caughtUp('Jobs.window').length === 2,
    );
    await sleep(100);
    expect(caughtUp('Jobs.latest')).toEqual([at(7)]);
    expect(caughtUp('Jobs.all')).toEqual([at(3), at(4), at(5), at(6), at(7)]);
    expect(caughtUp('Jobs.none')).toEqual([]);
    expect(caughtUp('Jobs.window')).toEqual([at(6), at(7)]);
    expect(ran.slice(before).every((run) => run.catchUp)).toBe(true);

    const missed = async (name: string) => {
      const history = await second.scheduler.getHistory(name, 100);
      return history
        .filter((record) => record.outcome === 'missed')
        .map((record) => record.scheduledAt.getTime())
        .sort((x, y) => x - y);
    };
    await sleep(100); // the records' batch
    expect(await missed('Jobs.latest')).toEqual([at(3), at(4), at(5), at(6)]);
    expect(await missed('Jobs.all')).toEqual([]);
    expect(await missed('Jobs.none')).toEqual([
      at(3),
      at(4),
      at(5),
      at(6),
      at(7),
    ]);
    expect(await missed('Jobs.window')).toEqual([at(3), at(4), at(5)]);
    const history = await second.scheduler.getHistory('Jobs.latest', 100);
    const run = history.find((record) => record.outcome === 'succeeded')!;
    expect(run).toMatchObject({ catchUp: true, replica: 'b' });
    expect(run.scheduledAt.getTime()).toBe(at(7));

    // The next due time runs as usual, not as catch-up.
    await clock.advance(MINUTE);
    await eventually(() => caughtUp('Jobs.none').length === 1);
    expect(ran.at(-1)).toMatchObject({ due: at(8), catchUp: false });
    expect(second.logger.messages('log')).toContain(
      'Catch-up after taking over 4 task(s): firing 8 missed due time(s), 12 recorded as missed',
    );
  });

  it("should finish an 'all' catch-up on the replica that started it when the task moves to another one meanwhile", async () => {
    const names = ['Jobs.all', 'Jobs.filler'];
    // Two replica ids for which the second one owns Jobs.all.
    let ids = ['', ''];
    for (let i = 0; ids[0] === ''; i++) {
      const pair = [`a${i}`, `b${i}`];
      const owners = assignOwners(
        pair.map((id) => ({ id, tasks: new Set(names) })),
      );
      if (owners.get('Jobs.all') === pair[1]) ids = pair;
    }
    const clock = new VirtualClock(new Date(START));
    const ran: Ran[] = [];
    const gate = deferred();
    let blocked = false;
    const minute: TriggerSpec = { type: 'every', minutes: 1 };
    const defs = () => [
      task(
        'Jobs.all',
        minute,
        async (ctx) => {
          recording(ran)(ctx);
          if (ctx.catchUp && !blocked) {
            blocked = true;
            await gate.promise;
          }
        },
        { catchUp: 'all' },
      ),
      task('Jobs.filler', minute),
    ];
    const first = await replica(ids[0], clock, defs());
    await clock.advance(MINUTE);
    await eventually(() => ran.length === 1);
    await first.stop();
    await clock.advanceTo(new Date('2024-03-31T08:05:30Z'));

    // Back alone: it catches 08:02 … 08:05 up; the first run waits ...
    const again = await replica(ids[0], clock, defs());
    await eventually(() => blocked);
    // ... while the task moves to the second replica.
    const second = await replica(ids[1], clock, defs());
    await eventually(() => again.coordinator.ownerOf!('Jobs.all') === ids[1]);
    gate.resolve();
    await eventually(() => ran.length === 5);
    await sleep(100);
    expect(ran.slice(1)).toEqual(
      [2, 3, 4, 5].map((m) => ({
        name: 'Jobs.all',
        due: START + m * MINUTE,
        catchUp: true,
        replica: ids[0],
      })),
    );
    expect(second.scheduler.getTask('Jobs.all').owner).toBe(ids[1]);
  });

  it("should show the cluster's runs, failures and failure streak in TaskInfo on every replica", async () => {
    const clock = new VirtualClock(new Date(START));
    const ran: Ran[] = [];
    const minute: TriggerSpec = { type: 'every', minutes: 1 };
    const defs = () => [
      task('Jobs.ok', minute, recording(ran)),
      task('Jobs.broken', minute, () => {
        throw new Error('broken');
      }),
    ];
    const a = await replica('a', clock, defs());
    const b = await replica('b', clock, defs());
    await eventually(
      () =>
        a.coordinator.ownerOf!('Jobs.ok') ===
          b.coordinator.ownerOf!('Jobs.ok') &&
        a.coordinator.ownerOf!('Jobs.broken') ===
          b.coordinator.ownerOf!('Jobs.broken') &&
        a.coordinator.ownerOf!('Jobs.ok') !==
          a.coordinator.ownerOf!('Jobs.broken'),
    );
    for (let i = 0; i < 3; i++) {
      await clock.advance(MINUTE);
      await sleep(50); // the claims' round trip
    }
    await eventually(() => ran.length === 3);
    // Each replica ran only the task it owns ...
    expect(
      ran.filter((run) => run.name === 'Jobs.ok').map((run) => run.replica),
    ).toEqual(Array(3).fill(a.coordinator.ownerOf!('Jobs.ok')));
    await sleep(300); // the last claims and run records (PGlite is slow)
    await a.coordinator.refreshClusterState();
    await b.coordinator.refreshClusterState();
    // ... and both show the cluster's numbers.
    for (const r of [a, b]) {
      expect(r.scheduler.getTask('Jobs.ok')).toMatchObject({
        runs: 3,
        failures: 0,
        consecutiveFailures: 0,
        lastRunAt: new Date(START + 3 * MINUTE),
      });
      expect(r.scheduler.getTask('Jobs.broken')).toMatchObject({
        runs: 3,
        failures: 3,
        consecutiveFailures: 3,
      });
    }
  });
};

describe('Catch-up and cluster counters on PostgreSQL (PGlite)', () => {
  let db: PGliteDatabase;
  let schemas = 0;

  pgliteForSuite((opened) => (db = opened));

  catchUpSuite(() =>
    Promise.resolve(pgliteStore(db, `catch_up_${++schemas}`)),
  )();
});

describeWithRedis(
  'Catch-up and cluster counters on Redis',
  catchUpSuite(() => Promise.resolve(redisStore('aioclock-catch-up'))),
);
