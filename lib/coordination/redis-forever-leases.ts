import type { RedisBoundedCalls } from './redis-bounded-calls';
import type { RedisCoordinatorClient } from './redis-client.interface';
import type { RedisCoordinator } from './redis.coordinator';

// Renews the lease when this replica holds it, takes it when free; one atomic step.
const LEASE_SCRIPT = `local v = redis.call('GET', KEYS[1])
if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;

// Deletes the lease only when this replica holds it.
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type LeaseKeys = Pick<RedisCoordinator, 'replicaId' | 'leaseKey'>;

/**
 * `@Forever` leases in Redis: one key per task holding the replica that runs
 * it, renewed while it runs and expiring when that replica dies.
 */
export class RedisForeverLeases {
  /**
   * @param keys the coordinator's replica id and lease keys
   * @param client the caller's ioredis client
   * @param calls the coordinator's bounded calls
   */
  constructor(
    private readonly keys: LeaseKeys,
    private readonly client: RedisCoordinatorClient,
    private readonly calls: RedisBoundedCalls,
  ) {}

  /** See `RedisCoordinator.lease`. */
  async lease(task: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const reply = await this.calls.call(
      () => `renew the lease of ${task}`,
      () =>
        this.client.eval(
          LEASE_SCRIPT,
          1,
          this.keys.leaseKey(task),
          this.keys.replicaId,
          ttl,
        ),
    );
    return reply === 1;
  }

  /** See `RedisCoordinator.release`. */
  async release(task: string): Promise<void> {
    await this.calls.call(
      () => `release the lease of ${task}`,
      () =>
        this.client.eval(
          RELEASE_SCRIPT,
          1,
          this.keys.leaseKey(task),
          this.keys.replicaId,
        ),
    );
  }
}
