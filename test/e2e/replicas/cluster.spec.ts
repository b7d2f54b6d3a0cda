import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import {
  SLOW_RUN_MS,
  SPREAD_TASKS,
  catchUpRunsKey,
  slowRunsKey,
  spreadTask,
} from '../../src/replicas/cluster.tasks';
import { ReplicaBuild } from '../../src/replicas/replica-build';
import { ReplicaProcess } from '../../src/replicas/replica-process';
import {
  CLUSTER_BACKENDS,
  type ClusterBackend,
} from '../../src/replicas/cluster-backends';
import { REDIS_URL } from '../../src/replicas/redis-test-env';
import {
  deleteNamespace,
  notExactlyOnce,
  ranTwice,
  readLedger,
  type RunLedger,
} from '../../src/replicas/run-ledger';

// The cluster (issue 13) with real processes, on each durable backend (the
// runs are recorded in Redis either way): ownership
// spreads the tasks, a graceful stop hands them over without a gap, a
// SIGKILL moves them within leaseTtlMs, and maxLoopCount counts the
// cluster's runs (issue 11, defect 6).

const LEASE_TTL_MS = 3_000;
// A due time this close to a start, a stop or a kill may belong to the edge.
const EDGE_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Waits until `ms` past a whole second: between two due times, never at one.
const untilSecondFraction = (ms: number) =>
  sleep((ms - (Date.now() % 1_000) + 1_000) % 1_000);

let build: ReplicaBuild | undefined;

beforeAll(() => {
  build = ReplicaBuild.create();
});

afterAll(() => build?.dispose());

function startReplica(
  backend: ClusterBackend,
  id: string,
  app: string,
  namespace: string,
  clockOffsetMs = 0,
): ReplicaProcess {
  return new ReplicaProcess(build!, id, {
    ...backend.env(),
    REDIS_URL,
    REPLICA_NAMESPACE: namespace,
    REPLICA_LEASE_TTL_MS: String(LEASE_TTL_MS),
    REPLICA_APP: app,
    REPLICA_CLOCK_OFFSET_MS: String(clockOffsetMs),
  });
}

/** Lines naming every spread due time in (from, to) not run exactly once. */
function spreadNotExactlyOnce(
  ledger: RunLedger,
  from: number,
  to: number,
): string[] {
  const wrong: string[] = [];
  for (let i = 0; i < SPREAD_TASKS; i++)
    wrong.push(...notExactlyOnce(ledger, spreadTask(i), 1_000, from, to));
  return wrong;
}

/** Runs per replica of the due times in (from, to). */
function runsPerReplica(
  ledger: RunLedger,
  from: number,
  to: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const runs of ledger.values())
    for (const [due, replicas] of runs)
      if (due > from && due < to)
        for (const replica of replicas)
          counts.set(replica, (counts.get(replica) ?? 0) + 1);
  return counts;
}

// One suite, run once per durable backend (issue 14): Redis and PostgreSQL.
const clusterSuite = (backend: ClusterBackend) => (): void => {
  let admin: Redis;
  let replicas: ReplicaProcess[] = [];
  let namespace = '';

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });

  beforeEach(() => {
    namespace = `aioclock-cluster-${randomBytes(4).toString('hex')}`;
  });

  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.kill()));
    replicas = [];
    await deleteNamespace(admin, namespace).catch(() => undefined);
    await backend.cleanup(namespace).catch(() => undefined);
  });

  afterAll(() => admin?.disconnect());

  it('should spread 300 tasks evenly, run each due time once, hand over on a stop and take over after a SIGKILL', async () => {
    replicas = ['replica-a', 'replica-b', 'replica-c'].map((id) =>
      startReplica(backend, id, 'spread', namespace),
    );
    const [a, b, c] = replicas;
    await Promise.all(replicas.map((replica) => replica.whenReady()));
    const from = Math.max(...replicas.map((replica) => replica.readyAt!));

    await sleep(10_000);
    await untilSecondFraction(500);
    const stoppedAt = Date.now();
    await c.stop();
    expect(c.exit).toEqual({ code: 0, signal: null, expected: true });

    await sleep(3_000);
    await untilSecondFraction(500);
    const killedAt = Date.now();
    await b.kill();
    await sleep(LEASE_TTL_MS + 3_000);
    const to = Date.now();
    await a.stop();

    const ledger = await readLedger(admin, namespace);
    // Nothing ever ran twice, through the stop and the kill included.
    expect(ranTwice(ledger)).toEqual([]);

    // Three members: every due time once, spread within 1.2×.
    const counts = runsPerReplica(ledger, from + EDGE_MS, stoppedAt);
    const shares = [a, b, c].map((r) => counts.get(r.replicaId) ?? 0);
    expect(Math.max(...shares) / Math.min(...shares)).toBeLessThanOrEqual(1.2);
    // The graceful stop moved c's tasks with no due time missed.
    expect(spreadNotExactlyOnce(ledger, from + EDGE_MS, killedAt)).toEqual([]);
    // b's tasks ran on a within leaseTtlMs of the kill, and exactly once since.
    expect(
      spreadNotExactlyOnce(ledger, killedAt + LEASE_TTL_MS, to - EDGE_MS),
    ).toEqual([]);
    const afterKill = runsPerReplica(ledger, killedAt + LEASE_TTL_MS, to);
    expect([...afterKill.keys()]).toEqual([a.replicaId]);
  }, 90_000);

  it('should run a maxLoopCount: 3 task three times in all on two replicas started 1.5 s apart', async () => {
    await untilSecondFraction(200);
    const first = startReplica(backend, 'replica-a', 'limited', namespace);
    replicas = [first];
    await first.whenReady();
    await sleep(1_500);
    const second = startReplica(backend, 'replica-b', 'limited', namespace);
    replicas.push(second);
    await second.whenReady();
    await sleep(4_000);
    await Promise.all(replicas.map((replica) => replica.stop()));

    const ledger = await readLedger(admin, namespace);
    const runs = [...(ledger.get('limited')?.values() ?? [])].flat();
    expect(runs).toHaveLength(3);
  }, 60_000);

  it('should not start a slow task on its new owner while the old owner still runs it', async () => {
    replicas = ['replica-a', 'replica-b', 'replica-c'].map((id) =>
      startReplica(backend, id, 'slow', namespace),
    );
    await Promise.all(replicas.map((replica) => replica.whenReady()));
    await sleep(3_000);
    // Mid-run (runs start on whole seconds and last 2.5 s), stop the owner:
    // its run goes on while the others take the task over.
    await untilSecondFraction(500);
    const ownerId = await backend.lastReplica(admin, namespace, 'slow');
    const owner = replicas.find((replica) => replica.replicaId === ownerId)!;
    expect(owner).toBeDefined();
    await owner.stop();
    await sleep(SLOW_RUN_MS + 3_000);
    await Promise.all(replicas.map((replica) => replica.stop()));

    const runs = (await admin.lrange(slowRunsKey(namespace), 0, -1))
      .map((entry) => entry.split('|'))
      .map(([replica, from, to]) => ({ replica, from: +from, to: +to }))
      .sort((x, y) => x.from - y.from);
    // The task moved ...
    expect(runs.some((run) => run.replica !== ownerId)).toBe(true);
    // ... and never ran twice at once anywhere in the cluster.
    const overlaps = runs
      .slice(1)
      .filter((run, i) => run.from < runs[i].to)
      .map((run) => JSON.stringify(run));
    expect(overlaps).toEqual([]);
  }, 60_000);

  it('should double nothing when a replica frozen past leaseTtlMs (SIGSTOP) resumes, and run none of the due times it slept through', async () => {
    replicas = ['replica-a', 'replica-b', 'replica-c'].map((id) =>
      startReplica(backend, id, 'spread', namespace),
    );
    const c = replicas[2];
    await Promise.all(replicas.map((replica) => replica.whenReady()));
    const from = Math.max(...replicas.map((replica) => replica.readyAt!));
    await sleep(3_000);
    await untilSecondFraction(500);
    const frozenAt = Date.now();
    c.freeze();
    await sleep(LEASE_TTL_MS + 2_000);
    const thawedAt = Date.now();
    c.thaw();
    await sleep(4_000);
    const to = Date.now();
    await Promise.all(replicas.map((replica) => replica.stop()));
    for (const replica of replicas)
      expect(replica.exit).toEqual({ code: 0, signal: null, expected: true });

    const ledger = await readLedger(admin, namespace);
    expect(ranTwice(ledger)).toEqual([]);
    expect(spreadNotExactlyOnce(ledger, from + EDGE_MS, frozenAt)).toEqual([]);
    // Once the others pruned it they ran its tasks, through its return too.
    expect(
      spreadNotExactlyOnce(ledger, frozenAt + LEASE_TTL_MS, to - EDGE_MS),
    ).toEqual([]);
    // Woken up, it fired none of the due times it slept through.
    const slept = runsPerReplica(ledger, frozenAt + EDGE_MS, thawedAt);
    expect(slept.get(c.replicaId) ?? 0).toBe(0);
    // And it is a member again, owning its share.
    const after = runsPerReplica(ledger, thawedAt + EDGE_MS, to - EDGE_MS);
    expect(after.get(c.replicaId) ?? 0).toBeGreaterThan(0);
  }, 60_000);

  it("should catch up after all replicas were stopped for 5 s: 'latest' the most recent missed due time once, 'all' each, 'none' none, the rest recorded as missed", async () => {
    const start = () =>
      ['replica-a', 'replica-b'].map((id) =>
        startReplica(backend, id, 'catchUp', namespace),
      );
    replicas = start();
    await Promise.all(replicas.map((replica) => replica.whenReady()));
    await sleep(3_000);
    await Promise.all(replicas.map((replica) => replica.stop()));
    await sleep(5_000);
    replicas = start();
    await Promise.all(replicas.map((replica) => replica.whenReady()));
    await sleep(3_000);
    await Promise.all(replicas.map((replica) => replica.stop()));

    const runs = (await admin.lrange(catchUpRunsKey(namespace), 0, -1))
      .map((entry) => entry.split('|'))
      .map(([task, due, catchUp]) => ({
        task,
        due: +due,
        catchUp: catchUp === 'true',
      }));
    for (const task of ['catchLatest', 'catchAll', 'catchNone']) {
      const mine = runs.filter((run) => run.task === task);
      const dues = mine.map((run) => run.due);
      // Nothing ran twice, catch-up included.
      expect(dues.length).toBe(new Set(dues).size);
      // The gap: between the last due time run before the stop and the
      // first one the restarted replicas fired as usual.
      const normal = mine
        .filter((run) => !run.catchUp)
        .map((run) => run.due)
        .sort((x, y) => x - y);
      let gapAt = 1;
      for (let i = 1; i < normal.length; i++)
        if (normal[i] - normal[i - 1] > normal[gapAt] - normal[gapAt - 1])
          gapAt = i;
      const missedDues: number[] = [];
      for (
        let due = normal[gapAt - 1] + 1_000;
        due < normal[gapAt];
        due += 1_000
      )
        missedDues.push(due);
      expect(missedDues.length).toBeGreaterThanOrEqual(4);
      const caughtUp = mine
        .filter((run) => run.catchUp)
        .map((run) => run.due)
        .sort((x, y) => x - y);
      const missed = await backend.missed(admin, namespace, task);
      if (task === 'catchLatest') {
        expect(caughtUp).toEqual([missedDues.at(-1)]);
        expect(missed).toEqual(missedDues.slice(0, -1));
      } else if (task === 'catchAll') {
        expect(caughtUp).toEqual(missedDues);
        expect(missed).toEqual([]);
      } else {
        expect(caughtUp).toEqual([]);
        expect(missed).toEqual(missedDues);
      }
    }
  }, 60_000);

  it('should double nothing and lose nothing with replica clocks 2 s apart either way', async () => {
    const OFFSET_MS = 2_000;
    replicas = [
      startReplica(backend, 'replica-a', 'spread', namespace, -OFFSET_MS),
      startReplica(backend, 'replica-b', 'spread', namespace, 0),
      startReplica(backend, 'replica-c', 'spread', namespace, OFFSET_MS),
    ];
    await Promise.all(replicas.map((replica) => replica.whenReady()));
    const from = Math.max(...replicas.map((replica) => replica.readyAt!));
    expect(replicas.map((replica) => replica.clockOffsetMs)).toEqual([
      -OFFSET_MS,
      0,
      OFFSET_MS,
    ]);
    await sleep(9_000);
    const to = Date.now();
    await Promise.all(replicas.map((replica) => replica.stop()));

    const ledger = await readLedger(admin, namespace);
    expect(ranTwice(ledger)).toEqual([]);
    // A replica fires due time D at D - offset real time: the window keeps
    // clear of the starts (ownership moving between offsets) and the stop.
    expect(
      spreadNotExactlyOnce(
        ledger,
        from + EDGE_MS + OFFSET_MS,
        to - EDGE_MS - OFFSET_MS,
      ),
    ).toEqual([]);
    const counts = runsPerReplica(
      ledger,
      from + EDGE_MS + OFFSET_MS,
      to - EDGE_MS - OFFSET_MS,
    );
    expect(counts.size).toBe(3);
  }, 60_000);
};

for (const backend of CLUSTER_BACKENDS)
  backend.describe(
    `A cluster of replicas on ${backend.name}`,
    clusterSuite(backend),
  );
