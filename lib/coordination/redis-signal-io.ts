import type { ClusterSignalIo } from './cluster-signals';
import type { RedisCoordinatorClient } from './redis-client.interface';
import type { RedisTaskKeys } from './redis-task-keys';
import {
  PAUSE_SCRIPT,
  PAUSED_SCRIPT,
  PUBLISH_SCRIPT,
  STREAK_RESET_SCRIPT,
} from './redis-cluster.scripts';

/** The hash of the tasks paused cluster-wide (task → reason). */
export function redisPausedKey(keyPrefix: string): string {
  return `${keyPrefix}:{members}:paused`;
}

/**
 * The Redis calls of `ClusterSignals`: signals go on the membership channel,
 * paused tasks live in one hash, `<prefix>:{members}:paused` (task → reason);
 * a resume also clears the task's streak of failed runs (in its state hash,
 * another slot: a call of its own, sent first).
 * @param send the coordinator's bounded call
 * @param keys the coordinator's keys
 * @param channel the membership channel
 */
export function redisSignalIo(
  client: RedisCoordinatorClient,
  send: <T>(command: () => Promise<T>) => Promise<T>,
  keys: RedisTaskKeys,
  channel: string,
): ClusterSignalIo {
  const pausedKey = redisPausedKey(keys.keyPrefix);
  const store = (task: string, reason: string | null, payload: string) =>
    send(() =>
      PAUSE_SCRIPT.run(
        client,
        [pausedKey],
        [task, reason ?? '', channel, payload],
      ),
    );
  return {
    publish: (payload) =>
      send(() => PUBLISH_SCRIPT.run(client, [], [channel, payload])),
    storePause: (task, reason, payload) =>
      reason !== null
        ? store(task, reason, payload)
        : Promise.all([
            send(() => STREAK_RESET_SCRIPT.run(client, [keys.state(task)], [])),
            store(task, reason, payload),
          ]),
    readPaused: async () => {
      const flat = (await send(() =>
        PAUSED_SCRIPT.run(client, [pausedKey], []),
      )) as unknown[];
      const entries: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        entries.push([String(flat[i]), String(flat[i + 1])]);
      return entries;
    },
  };
}
