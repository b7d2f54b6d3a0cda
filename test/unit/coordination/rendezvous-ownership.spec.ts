import {
  assignOwners,
  type OwnershipMember,
} from '../../../lib/coordination/rendezvous-ownership';

const names = (count: number, prefix = 'Jobs.task'): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);

const member = (id: string, tasks: readonly string[]): OwnershipMember => ({
  id,
  tasks: new Set(tasks),
});

function loads(owners: Map<string, string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const owner of owners.values())
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return counts;
}

function spread(owners: Map<string, string>, ids: string[]): number {
  const counts = ids.map((id) => loads(owners).get(id) ?? 0);
  return Math.max(...counts) / Math.min(...counts);
}

function moved(before: Map<string, string>, after: Map<string, string>) {
  let count = 0;
  for (const [task, owner] of after) if (before.get(task) !== owner) count++;
  return count;
}

describe('assignOwners', () => {
  it('should give every task exactly one owner, the same whatever the member order', () => {
    const tasks = names(300);
    const members = ['a', 'b', 'c'].map((id) => member(id, tasks));
    const owners = assignOwners(members);
    expect(owners.size).toBe(300);
    expect(assignOwners([...members].reverse())).toEqual(owners);
  });

  it.each([
    [300, 3],
    [3_000, 3],
    [300, 2],
    [100, 7],
    [10, 3],
  ])(
    'should keep %i tasks on %i members within one task of each other',
    (count, memberCount) => {
      const tasks = names(count);
      const ids = Array.from({ length: memberCount }, (_, i) => `replica-${i}`);
      const owners = assignOwners(ids.map((id) => member(id, tasks)));
      const counts = ids.map((id) => loads(owners).get(id) ?? 0);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      if (count >= 300) expect(spread(owners, ids)).toBeLessThanOrEqual(1.2);
    },
  );

  it('should move only a small share of the tasks when a member joins or leaves', () => {
    const tasks = names(300);
    const three = assignOwners(['a', 'b', 'c'].map((id) => member(id, tasks)));
    const four = assignOwners(
      ['a', 'b', 'c', 'd'].map((id) => member(id, tasks)),
    );
    // The newcomer takes its quarter; a modulo placement would move ~3/4.
    expect(moved(three, four)).toBeLessThanOrEqual(0.4 * 300);
    const two = assignOwners(['a', 'b'].map((id) => member(id, tasks)));
    // The leaver's third moves; the others' tasks mostly stay.
    const kept = [...three].filter(
      ([task, owner]) => owner !== 'c' && two.get(task) !== owner,
    ).length;
    expect(kept).toBeLessThanOrEqual(0.15 * 300);
  });

  it('should give a task only to members that declare it', () => {
    const old = names(10);
    const added = names(5, 'Jobs.newTask');
    const owners = assignOwners([
      member('old-1', old),
      member('new-1', [...old, ...added]),
      member('new-2', [...old, ...added]),
    ]);
    for (const task of added) expect(owners.get(task)).not.toBe('old-1');
    expect(owners.size).toBe(15);
  });

  it('should leave out tasks nobody declares and own nothing without members', () => {
    expect(assignOwners([]).size).toBe(0);
    expect(assignOwners([member('a', [])]).size).toBe(0);
  });
});
