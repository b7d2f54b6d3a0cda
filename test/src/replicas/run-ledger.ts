import type Redis from 'ioredis';
import { foreverKey } from './replica.tasks';

/** What the replicas' tasks recorded in Redis: task → due time (epoch ms) → the replica of each run. */
export type RunLedger = Map<string, Map<number, string[]>>;

/** Reads every run the tasks of one test namespace recorded. */
export async function readLedger(
  redis: Redis,
  namespace: string,
): Promise<RunLedger> {
  const ledger: RunLedger = new Map();
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(
      cursor,
      'MATCH',
      `${namespace}:runs:*`,
      'COUNT',
      1000,
    );
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  for (const key of keys) {
    // The due time follows the last colon: a schedule's task name holds one.
    const rest = key.slice(`${namespace}:runs:`.length);
    const task = rest.slice(0, rest.lastIndexOf(':'));
    const due = rest.slice(rest.lastIndexOf(':') + 1);
    const members = await redis.smembers(key);
    if (!ledger.has(task)) ledger.set(task, new Map());
    ledger.get(task)!.set(
      Number(due),
      members.map((member) => member.split('|')[0]),
    );
  }
  return ledger;
}

/** How many runs of `task` were recorded for `dueAt`. */
export function runsOf(ledger: RunLedger, task: string, dueAt: number): number {
  return ledger.get(task)?.get(dueAt)?.length ?? 0;
}

/**
 * The due times of an epoch-aligned `periodMs` schedule strictly inside
 * (`from`, `to`) whose run count is not exactly one, as readable lines
 * (empty when every one of them ran exactly once).
 */
export function notExactlyOnce(
  ledger: RunLedger,
  task: string,
  periodMs: number,
  from: number,
  to: number,
): string[] {
  const wrong: string[] = [];
  for (
    let due = Math.floor(from / periodMs) * periodMs + periodMs;
    due < to;
    due += periodMs
  ) {
    const runs = runsOf(ledger, task, due);
    if (runs !== 1)
      wrong.push(`${task} @ ${new Date(due).toISOString()}: ${runs} runs`);
  }
  return wrong;
}

/** Every due time, of any task, that ran more than once. */
export function ranTwice(ledger: RunLedger): string[] {
  const wrong: string[] = [];
  for (const [task, runs] of ledger)
    for (const [due, replicas] of runs)
      if (replicas.length > 1)
        wrong.push(
          `${task} @ ${new Date(due).toISOString()}: ${replicas.join(', ')}`,
        );
  return wrong;
}

/** The `@Forever` runs in order, as `{ replicaId, at }`. */
export async function readForeverRuns(
  redis: Redis,
  namespace: string,
): Promise<{ replicaId: string; at: number }[]> {
  const entries = await redis.lrange(foreverKey(namespace), 0, -1);
  return entries.map((entry) => {
    const [replicaId, at] = entry.split('|');
    return { replicaId, at: Number(at) };
  });
}

/** Deletes every key of one test namespace. */
export async function deleteNamespace(
  redis: Redis,
  namespace: string,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${namespace}:*`,
      'COUNT',
      1000,
    );
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
