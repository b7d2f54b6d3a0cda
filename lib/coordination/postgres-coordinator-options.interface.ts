import type { PostgresCoordinatorPool } from './postgres/postgres-client.interface';

/** Options of `PostgresCoordinator`. */
export interface PostgresCoordinatorOptions {
  /**
   * A `pg` `Pool` built and owned by the caller (the coordinator never ends
   * it), or anything with its `query(text, values)`, such as a PGlite
   * instance. With a Pool, one of its clients is kept for `LISTEN`.
   */
  pool: PostgresCoordinatorPool;
  /**
   * The schema holding the coordinator's tables; give each application
   * sharing one database its own.
   * @default 'aioclock'
   */
  schema?: string;
  /**
   * Milliseconds a statement may take, waiting for a connection included;
   * after that it rejects and the run counts as failed. One still waiting
   * for a `pg` Pool's connection then is never sent.
   * @default 1000
   */
  claimTimeoutMs?: number;
  /**
   * How long a replica that stopped answering keeps its tasks (and a
   * `@Forever` lease lasts without renewal). At least twice `claimTimeoutMs`.
   * @default 10000
   */
  leaseTtlMs?: number;
  /**
   * How often a member renews its membership, in ms: at least 1 000 (no
   * polling faster than once a second), below `leaseTtlMs`.
   * @default max(1000, leaseTtlMs / 5)
   */
  heartbeatMs?: number;
  /**
   * What this replica writes into the rows it holds.
   * @default '<hostname>:<pid>:<random hex>'
   */
  replicaId?: string;
  /**
   * The run history kept for `registry.getHistory`: `keep` rows per task
   * (1 to 100 000), every replica's runs.
   * @default { keep: 100 }
   */
  history?: { keep?: number };
  /**
   * Creates the tables on start when missing. `false` when your migrations
   * apply docs/postgres.sql (or `postgresSchemaFile()`) instead.
   * @default true
   */
  createSchema?: boolean;
}
