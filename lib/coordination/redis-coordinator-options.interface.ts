import type { RedisCoordinatorClient } from './redis-client.interface';

/** Options of `RedisCoordinator`. */
export interface RedisCoordinatorOptions {
  /**
   * An `ioredis` client (`Redis` or `Cluster`) built and owned by the caller:
   * the coordinator never connects, quits or reconfigures it.
   */
  client: RedisCoordinatorClient;
  /**
   * First part of every key: `<keyPrefix>:{<task>}:<dueAt>` for claims and
   * `<keyPrefix>:{<task>}:lease` for `@Forever` leases. Give each application
   * sharing one Redis its own prefix.
   * @default 'aioclock'
   */
  keyPrefix?: string;
  /**
   * Milliseconds a claim, lease or release may take, waiting for the
   * connection included; after that it rejects and the run counts as failed.
   * @default 1000
   */
  claimTimeoutMs?: number;
  /**
   * How long a replica that stopped answering keeps its tasks (and a
   * `@Forever` task's lease lasts without renewal): when a replica dies, the
   * others take its tasks over within about this time. At least twice
   * `claimTimeoutMs`, so one slow renewal cannot lose it.
   * @default 10000
   */
  leaseTtlMs?: number;
  /**
   * How often a member renews its membership, in ms; below `leaseTtlMs`.
   * @default leaseTtlMs / 5
   */
  heartbeatMs?: number;
  /**
   * The run history kept in Redis for `registry.getHistory`: `keep` records
   * per task (an integer from 1 to 100 000).
   * @default { keep: 100 }
   */
  history?: { keep?: number };
  /**
   * What this replica writes into the keys it holds, to tell replicas apart.
   * @default '<hostname>:<pid>:<random hex>'
   */
  replicaId?: string;
}
