import type { DeclaredTask } from '../../../lib/coordination/coordinator.interface';
import { describeWithRedis } from '../../src/replicas/redis-test-env';
import {
  eventually,
  RedisMembers,
  sleep,
} from '../../src/replicas/redis-members';

// Claims sent ahead (redis-claims-ahead.ts), against a real Redis: a won
// claim fences the task's next due time at once, its holder runs it without a
// round trip whoever owns the task by then, nobody else can claim it, and a
// leaving member gives its fences back.

const TASKS: DeclaredTask[] = Array.from({ length: 20 }, (_, i) => ({
  name: `Ahead.task${i}`,
  maxLoopCount: null,
}));

describeWithRedis('RedisCoordinator claims ahead', () => {
  const cluster = new RedisMembers('aioclock-ahead');
  const member = (id: string) => cluster.member(id);

  it('should fence the next due time when a claim wins, and confirm it when it comes', async () => {
    const a = member('a');
    await a.join(TASKS);
    const task = TASKS[0].name;
    await expect(a.claim(task, 10_000, 1_000)).resolves.toBe(true);
    await sleep(50);
    expect(await cluster.admin.get(a.claimKey(task, 11_000))).toBe('a|ahead');
    // Its state is not touched until the due time comes.
    expect(await cluster.admin.hget(a.stateKey(task), 'runs')).toBe('1');
    await expect(a.claim(task, 11_000, 1_000)).resolves.toBe(true);
    await sleep(50);
    expect(await cluster.admin.get(a.claimKey(task, 11_000))).toBe('a');
    expect(await cluster.admin.hgetall(a.stateKey(task))).toMatchObject({
      runs: '2',
      lastDue: '11000',
    });
    // And the one after is fenced in turn; a second claim of 11 000 loses.
    expect(await cluster.admin.get(a.claimKey(task, 12_000))).toBe('a|ahead');
    await expect(a.claim(task, 11_000, 1_000)).resolves.toBe(false);
  });

  it('should hand an answered fence over without a promise (claimHeld), once, and confirm it', async () => {
    const a = member('a');
    await a.join(TASKS);
    const task = TASKS[1].name;
    // Nothing fenced yet: claim as usual.
    expect(a.claimHeld(task, 10_000, 1_000)).toBe(false);
    await expect(a.claim(task, 10_000, 1_000)).resolves.toBe(true);
    // Right after the win the fence's answer is not in yet: not taken.
    expect(a.claimHeld(task, 11_000, 1_000)).toBe(false);
    await sleep(50);
    // Another due time than the fenced one: not taken either.
    expect(a.claimHeld(task, 12_000, 1_000)).toBe(false);
    expect(a.claimHeld(task, 11_000, 1_000)).toBe(true);
    // Taken once: a second ask claims as usual, and loses to the fence's confirmation.
    expect(a.claimHeld(task, 11_000, 1_000)).toBe(false);
    await expect(a.claim(task, 11_000, 1_000)).resolves.toBe(false);
    await sleep(50);
    expect(await cluster.admin.get(a.claimKey(task, 11_000))).toBe('a');
    expect(await cluster.admin.hgetall(a.stateKey(task))).toMatchObject({
      runs: '2',
      lastDue: '11000',
    });
    // The chain goes on from the confirmation.
    expect(await cluster.admin.get(a.claimKey(task, 12_000))).toBe('a|ahead');
  });

  it('should fence nothing ahead for a period over heartbeatMs, a loop budget, or a buffering policy', async () => {
    const a = member('a');
    await a.join([
      { name: 'Ahead.slow', maxLoopCount: null },
      { name: 'Ahead.limited', maxLoopCount: 5 },
      { name: 'Ahead.buffered', maxLoopCount: null, overlap: 'bufferOne' },
    ]);
    // heartbeatMs is 1 s here (leaseTtlMs / 5).
    await a.claim('Ahead.slow', 5_000, 1_001);
    await a.claim('Ahead.limited', 1_000, 1_000);
    await a.claim('Ahead.buffered', 1_000, 1_000);
    await sleep(50);
    expect(await cluster.admin.exists(a.claimKey('Ahead.slow', 6_001))).toBe(0);
    expect(await cluster.admin.exists(a.claimKey('Ahead.limited', 2_000))).toBe(
      0,
    );
    expect(
      await cluster.admin.exists(a.claimKey('Ahead.buffered', 2_000)),
    ).toBe(0);
  });

  it('should run a fenced due time on its holder only, even after ownership moved', async () => {
    const a = member('a');
    await a.join(TASKS);
    const won = await Promise.all(
      TASKS.map((t) => a.claim(t.name, 20_000, 1_000)),
    );
    expect(won.every((w) => w === true)).toBe(true);
    await sleep(50);
    // b joins: about half the tasks move to it before 21 000 comes.
    const b = member('b');
    await b.join(TASKS);
    await eventually(() => TASKS.some((t) => a.ownerOf(t.name) === 'b'));
    await eventually(() =>
      TASKS.every((t) => a.ownerOf(t.name) === b.ownerOf(t.name)),
    );
    const answers = await Promise.all(
      TASKS.flatMap((t) => [
        a.claim(t.name, 21_000, 1_000).then((w) => (w === true ? 'a' : null)),
        b.claim(t.name, 21_000, 1_000).then((w) => (w === true ? 'b' : null)),
      ]),
    );
    const runners = answers.filter((r) => r !== null);
    // Each due time once, all of them on a (it held every fence).
    expect(runners).toEqual(TASKS.map(() => 'a'));
    // The chain stops there: the next due time of a moved task is its new owner's.
    const moved = TASKS.filter((t) => a.ownerOf(t.name) === 'b');
    for (const t of TASKS) a.runEnded(t.name);
    await sleep(50);
    const next = await Promise.all(
      moved.map((t) => b.claim(t.name, 22_000, 1_000)),
    );
    expect(next).toEqual(moved.map(() => true));
  });

  it('should give its fences back when it leaves, so the next owner claims them', async () => {
    const a = member('a');
    const b = member('b');
    await a.join(TASKS);
    await Promise.all(TASKS.map((t) => a.claim(t.name, 30_000, 1_000)));
    // Those runs end (their running marks go).
    for (const t of TASKS) a.runEnded(t.name);
    await sleep(50);
    expect(await cluster.admin.get(a.claimKey(TASKS[0].name, 31_000))).toBe(
      'a|ahead',
    );
    await b.join(TASKS);
    await a.leave();
    expect(await cluster.admin.exists(a.claimKey(TASKS[0].name, 31_000))).toBe(
      0,
    );
    await eventually(() => TASKS.every((t) => b.ownerOf(t.name) === 'b'));
    const answers = await Promise.all(
      TASKS.map((t) => b.claim(t.name, 31_000, 1_000)),
    );
    expect(answers).toEqual(TASKS.map(() => true));
  });

  it('should give back the fences of a task it stops declaring', async () => {
    const a = member('a');
    await a.join(TASKS);
    await a.claim(TASKS[0].name, 40_000, 1_000);
    await sleep(50);
    expect(await cluster.admin.get(a.claimKey(TASKS[0].name, 41_000))).toBe(
      'a|ahead',
    );
    a.declare(TASKS.slice(1));
    await sleep(50);
    expect(await cluster.admin.exists(a.claimKey(TASKS[0].name, 41_000))).toBe(
      0,
    );
  });
});
