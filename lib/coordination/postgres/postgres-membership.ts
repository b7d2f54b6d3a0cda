import {
  ClusterMembership,
  declaredTaskNames,
  type HeartbeatReply,
} from '../cluster-membership';
import type {
  PostgresCoordinatorPool,
  PostgresListenClient,
} from './postgres-client.interface';
import {
  heartbeatSql,
  leaveSql,
  memberTasksSql,
  pruneClaimsSql,
} from './postgres-statements';

/** At most this many expired claims are deleted per heartbeat. */
export const PG_PRUNE_CLAIMS_SLICE = 20_000;

/** What `PostgresMembership` needs from its coordinator. */
export interface PostgresMembershipOptions {
  pool: PostgresCoordinatorPool;
  schema: string;
  replicaId: string;
  leaseTtlMs: number;
  heartbeatMs: number;
  /**
   * The tasks with a run in flight here: only their running marks are
   * renewed, so a mark whose end statement was lost expires (leaseTtlMs).
   */
  runsInFlight: () => Iterable<string>;
  /** Called after each heartbeat that succeeded. */
  onHeartbeat?: () => void;
  /** A payload on the channel; `false` when it is no signal (a membership change). */
  onSignal?: (payload: string) => boolean;
  /** Called when the owners changed (a new view). */
  onViewChanged?: () => void;
  /** Runs one statement, bounded by the coordinator's `claimTimeoutMs`. */
  query: (
    text: string,
    values: unknown[],
  ) => Promise<Record<string, unknown>[]>;
}

/**
 * The cluster membership (`ClusterMembership`) on PostgreSQL: one heartbeat
 * statement joins, rejoins and prunes on the database's clock, and renews
 * this member's running marks. A change is announced with `pg_notify`; a
 * `LISTEN` connection (a `pg` Pool's client, or PGlite's `listen`) refreshes
 * the view at once, else the next heartbeat does — no poll faster than
 * `heartbeatMs`. Each heartbeat also prunes expired claims, a slice at a time.
 */
export class PostgresMembership extends ClusterMembership {
  /** The channel of membership changes (and of `cluster-signals.ts`). */
  readonly channel: string;
  private listener: { close: () => void } | null = null;
  private listening = false;

  constructor(private readonly options: PostgresMembershipOptions) {
    super(options);
    this.channel = `${options.schema}_members_changed`;
  }

  protected async beat(
    memberTtlMs: number,
    withTasks: boolean,
  ): Promise<HeartbeatReply | 'resend'> {
    const { schema, replicaId, query } = this.options;
    const [row] = await query(heartbeatSql(schema), [
      replicaId,
      memberTtlMs,
      this.digest,
      withTasks ? this.declaredJson : null,
      this.channel,
      [...this.options.runsInFlight()],
    ]);
    // The row was missing (pruned) and the tasks were not sent: send them.
    if (row.inserted === true && !withTasks) return 'resend';
    const others = parseJson(row.others) as [string, string][];
    return {
      generation: Number(row.gen),
      members: [...others, [replicaId, this.digest]],
    };
  }

  // Expired claims go in bounded slices; a failure here is retried next beat.
  protected override async afterBeat(): Promise<void> {
    this.options.onHeartbeat?.();
    await this.options
      .query(pruneClaimsSql(this.options.schema), [PG_PRUNE_CLAIMS_SLICE])
      .catch(() => undefined);
  }

  protected async sendLeave(): Promise<void> {
    await this.options.query(leaveSql(this.options.schema), [
      this.options.replicaId,
      this.channel,
    ]);
  }

  protected async fetchTasks(ids: string[]): Promise<Map<string, string[]>> {
    const fetched = new Map<string, string[]>();
    for (const row of await this.options.query(
      memberTasksSql(this.options.schema),
      [ids],
    ))
      fetched.set(String(row.replica), declaredTaskNames(row.tasks));
    return fetched;
  }

  // A LISTEN connection lost with the server is opened again on a heartbeat.
  protected override beforeTimedBeat(): void {
    if (!this.listening) void this.startListening();
  }

  // LISTEN on a dedicated connection: a pg Pool's client, or PGlite's listen.
  protected async startListening(): Promise<void> {
    const { pool, replicaId } = this.options;
    const onPayload = (payload: string | undefined) => {
      if (payload !== undefined && this.options.onSignal?.(payload) === true)
        return;
      if (payload !== replicaId) this.refreshNow();
    };
    this.listening = true;
    try {
      if (typeof pool.connect === 'function') {
        const client: PostgresListenClient = await pool.connect();
        let released = false;
        const drop = (error?: Error) => {
          this.listening = false;
          if (released) return;
          released = true;
          client.release(error ?? true);
        };
        client.on('error', (error) => drop(error));
        client.on('end', () => drop());
        client.on('notification', (message) => {
          if (message.channel === this.channel) onPayload(message.payload);
        });
        await client.query(`LISTEN ${this.channel}`);
        this.listener = { close: () => drop() };
        if (!this.active) this.stopListening();
      } else if (typeof pool.listen === 'function') {
        const unlisten = await pool.listen(this.channel, onPayload);
        this.listener = { close: () => void unlisten().catch(() => undefined) };
        if (!this.active) this.stopListening();
      } else this.listening = false;
    } catch {
      // No LISTEN now: heartbeats refresh the view; the next one tries again.
      this.listening = false;
    }
  }

  protected stopListening(): void {
    this.listener?.close();
    this.listener = null;
    this.listening = false;
  }
}

// pg parses json columns; PGlite too; a driver answering text gets parsed here.
function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? [];
  try {
    return JSON.parse(value);
  } catch {
    return [];
  }
}
