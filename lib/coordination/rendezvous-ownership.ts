/** One live member as every replica sees it: its id and the tasks it declares. */
export interface OwnershipMember {
  readonly id: string;
  readonly tasks: ReadonlySet<string>;
}

/**
 * Assigns every declared task to one member: rendezvous (highest random
 * weight) hashing with a bounded load. Each task goes to the member ranking
 * highest for it among those that declare it and still have room (every
 * member gets `floor(tasks / members)`, the remainder one more each); tasks are placed in name order, so every replica
 * holding the same view computes the same owners, without talking. Plain HRW
 * moves only the tasks of a member that leaves (and ~1/n to one that joins);
 * the cap keeps loads within one task of each other for a few more moves:
 * 300 tasks, 3 → 4 members moves 80 (ideal 75), 3 → 2 moves 106 (ideal 100).
 * A looser cap (1.05 × the share) moved 77 and 100 but lets 100 tasks on 7
 * members spread 15 / 10.
 * @param members the live members; order does not matter
 * @returns task name → owning member id (tasks nobody declares are absent)
 */
export function assignOwners(
  members: readonly OwnershipMember[],
): Map<string, string> {
  const owners = new Map<string, string>();
  if (members.length === 0) return owners;
  const sorted = [...members].sort((a, b) => compare(a.id, b.id));
  const seeds = sorted.map((member) => hashString(member.id));
  const names = new Set<string>();
  for (const member of sorted) for (const task of member.tasks) names.add(task);
  const tasks = [...names].sort(compare);
  // Every member gets floor(share) tasks; the remainder's members one more.
  const floor = Math.floor(tasks.length / sorted.length);
  let aboveFloor = tasks.length - floor * sorted.length;
  const loads = new Array<number>(sorted.length).fill(0);
  for (const task of tasks) {
    const taskHash = hashString(task);
    let best = -1;
    let bestScore = -1;
    // Fallback when every candidate is full (only with partial declarations).
    let least = -1;
    let leastScore = -1;
    for (let i = 0; i < sorted.length; i++) {
      if (!sorted[i].tasks.has(task)) continue;
      const score = mix(taskHash, seeds[i]);
      const room = loads[i] < floor || (loads[i] === floor && aboveFloor > 0);
      if (room && score > bestScore) {
        best = i;
        bestScore = score;
      }
      if (
        least < 0 ||
        loads[i] < loads[least] ||
        (loads[i] === loads[least] && score > leastScore)
      ) {
        least = i;
        leastScore = score;
      }
    }
    const chosen = best >= 0 ? best : least;
    if (loads[chosen] === floor) aboveFloor--;
    loads[chosen]++;
    owners.set(task, sorted[chosen].id);
  }
  return owners;
}

// Code-unit order, identical on every replica whatever its locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** FNV-1a, 32 bits, over UTF-16 code units: cheap and identical everywhere. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The (task, member) weight: murmur3's finaliser over both hashes, unsigned. */
function mix(taskHash: number, memberHash: number): number {
  let h = (taskHash ^ Math.imul(memberHash, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * How long after its last heartbeat a member's entry expires: `leaseTtlMs`
 * less one heartbeat, because the others only notice at their own next
 * heartbeat; so a dead member's tasks move within `leaseTtlMs` of its last
 * heartbeat (the options keep this at two heartbeats or more).
 */
export function memberExpiryMs(options: {
  leaseTtlMs: number;
  heartbeatMs: number;
}): number {
  return options.leaseTtlMs - options.heartbeatMs;
}
