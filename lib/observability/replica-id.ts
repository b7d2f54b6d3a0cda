import { hostname } from 'node:os';

/**
 * The id runs are attributed to (`aioclock.replica`, `RunRecord.replica`):
 * the coordinator's own `replicaId` when it has one (RedisCoordinator does),
 * so spans and claims name a replica the same way; otherwise host and pid.
 * @param coordinator the scheduler's coordinator, if any
 */
export function replicaIdOf(coordinator?: object): string {
  const id = (coordinator as { replicaId?: unknown } | undefined)?.replicaId;
  return typeof id === 'string' && id !== ''
    ? id
    : `${hostname()}:${process.pid}`;
}
