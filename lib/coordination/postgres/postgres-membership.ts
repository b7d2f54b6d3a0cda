import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  assignOwners,
  memberExpiryMs,
  type OwnershipMember,
} from '../rendezvous-ownership';
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
  /** Called after each heartbeat that succeeded. */
  onHeartbeat?: () => void;
  /** Called when the owners changed (a new view). */
  onViewChanged?: () => void;
  /** Runs one statement, bounded by the coordinator's `claimTimeoutMs`. */
  query: (
    text: string,
    values: unknown[],
  ) => Promise<Record<string, unknown>[]>;
}

/**
 * This replica's membership on PostgreSQL, as `RedisMembership` on Redis:
 * one heartbeat statement joins, rejoins and prunes on the database's clock;
 * the view of live members and their declared tasks gives the owners
 * (`assignOwners`, the same maths as Redis). A change is announced with
 * `pg_notify`; a `LISTEN` connection (a `pg` Pool's client, or PGlite's
 * `listen`) refreshes the view at once, else the next heartbeat does — no
 * poll faster than `heartbeatMs`.
 *
 * Self-fencing: the view is trusted until the row's expiry (`memberExpiryMs`)
 * after the last
 * successful heartbeat was sent (monotonic); past that `fresh` is false and
 * the coordinator refreshes before claiming.
 */
export class PostgresMembership {
  /** Bumped when a member joins a cluster with no live member. */
  generation = 0;

  private readonly channel: string;
  private declared: readonly string[] = [];
  private declaredJson = '';
  private digest = '';
  private tasksStored = false;
  private joined = false;
  private validUntil = -Infinity;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshSoon = false;
  private refreshAgain = false;
  private listener: { close: () => void } | null = null;
  private listening = false;
  private readonly known = new Map<
    string,
    OwnershipMember & { digest: string }
  >();
  private viewKey = '';
  private owners = new Map<string, string>();

  constructor(private readonly options: PostgresMembershipOptions) {
    this.channel = `${options.schema}_members_changed`;
  }

  /** True once `join` was called and until `leave`. */
  get active(): boolean {
    return this.joined;
  }

  /** True while the view may be trusted (see the class comment). */
  get fresh(): boolean {
    return performance.now() < this.validUntil;
  }

  /** The member owning `task` in the current view; undefined when none declares it. */
  ownerOf(task: string): string | undefined {
    return this.owners.get(task);
  }

  /** Every live member's id, in the current view. */
  get members(): string[] {
    return [...this.known.keys()];
  }

  /** Joins with the tasks this replica may own and starts heartbeating. Never rejects. */
  async join(tasks: readonly string[]): Promise<void> {
    this.declared = [...new Set(tasks)].sort();
    this.declaredJson = JSON.stringify(this.declared);
    this.digest = createHash('sha1')
      .update(this.declaredJson)
      .digest('hex')
      .slice(0, 16);
    this.joined = true;
    await this.listen();
    await this.refresh().catch(() => undefined);
    this.armHeartbeat();
  }

  /** Heartbeats now (one shared call when several ask) and updates the view. */
  refresh(): Promise<void> {
    this.refreshing ??= this.heartbeat().finally(() => {
      this.refreshing = null;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.refreshNow();
      }
    });
    return this.refreshing;
  }

  /**
   * Leaves at once; keeps the view (and so keeps firing what it owns) for
   * `handoffMs` after the others were told, so no due time falls between.
   */
  async leave(handoffMs: number): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    try {
      await this.options.query(leaveSql(this.options.schema), [
        this.options.replicaId,
        this.channel,
      ]);
      if (handoffMs > 0)
        await new Promise((resolve) => setTimeout(resolve, handoffMs));
    } catch {
      // Unreachable: the row expires after leaseTtlMs instead.
    } finally {
      this.unlisten();
      this.validUntil = -Infinity;
      this.owners = new Map();
    }
  }

  private armHeartbeat(): void {
    if (!this.joined) return;
    const timer = setTimeout(() => {
      this.heartbeatTimer = null;
      // A LISTEN connection lost with the server is opened again here.
      if (!this.listening) void this.listen();
      this.refresh()
        .catch(() => undefined)
        .finally(() => this.armHeartbeat());
    }, this.options.heartbeatMs);
    timer.unref();
    this.heartbeatTimer = timer;
  }

  private async heartbeat(): Promise<void> {
    const { schema, replicaId, query } = this.options;
    const memberTtlMs = memberExpiryMs(this.options);
    const sentAt = performance.now();
    const beat = async (withTasks: boolean) =>
      (
        await query(heartbeatSql(schema), [
          replicaId,
          memberTtlMs,
          this.digest,
          withTasks ? this.declaredJson : null,
          this.channel,
        ])
      )[0];
    const sentTasks = !this.tasksStored;
    let row = await beat(sentTasks);
    if (row.inserted === true && !sentTasks) row = await beat(true);
    this.tasksStored = true;
    if (!this.joined) return;
    this.validUntil = sentAt + memberTtlMs;
    this.options.onHeartbeat?.();
    this.generation = Number(row.gen);
    const others = parseJson(row.others) as [string, string][];
    await this.updateView([...others, [replicaId, this.digest]]);
    // Expired claims go in bounded slices; a failure here is retried next beat.
    await query(pruneClaimsSql(schema), [PG_PRUNE_CLAIMS_SLICE]).catch(
      () => undefined,
    );
  }

  private async updateView(entries: [string, string][]): Promise<void> {
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const viewKey = entries.map(([id, digest]) => `${id}|${digest}`).join('\n');
    if (viewKey === this.viewKey) return;
    const { replicaId, schema, query } = this.options;
    const missing = entries
      .filter(
        ([id, digest]) =>
          id !== replicaId && this.known.get(id)?.digest !== digest,
      )
      .map(([id]) => id);
    const fetched = new Map<string, unknown>();
    if (missing.length > 0)
      for (const row of await query(memberTasksSql(schema), [missing]))
        fetched.set(String(row.replica), row.tasks);
    const next = new Map<string, OwnershipMember & { digest: string }>();
    for (const [id, digest] of entries) {
      if (id === replicaId) {
        next.set(id, { id, digest, tasks: new Set(this.declared) });
        continue;
      }
      const previous = this.known.get(id);
      if (!fetched.has(id) && previous !== undefined) {
        next.set(id, previous);
        continue;
      }
      next.set(id, { id, digest, tasks: new Set(taskNames(fetched.get(id))) });
    }
    this.known.clear();
    for (const [id, member] of next) this.known.set(id, member);
    this.owners = assignOwners([...next.values()]);
    this.viewKey = viewKey;
    this.options.onViewChanged?.();
  }

  // LISTEN on a dedicated connection: a pg Pool's client, or PGlite's listen.
  private async listen(): Promise<void> {
    const { pool, replicaId } = this.options;
    const onPayload = (payload: string | undefined) => {
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
        if (!this.joined) this.unlisten();
      } else if (typeof pool.listen === 'function') {
        const unlisten = await pool.listen(this.channel, onPayload);
        this.listener = { close: () => void unlisten().catch(() => undefined) };
        if (!this.joined) this.unlisten();
      } else this.listening = false;
    } catch {
      // No LISTEN now: heartbeats refresh the view; the next one tries again.
      this.listening = false;
    }
  }

  private unlisten(): void {
    this.listener?.close();
    this.listener = null;
    this.listening = false;
  }

  private refreshNow(): void {
    if (!this.joined || this.refreshSoon) return;
    if (this.refreshing !== null) {
      this.refreshAgain = true;
      return;
    }
    this.refreshSoon = true;
    setImmediate(() => {
      this.refreshSoon = false;
      if (this.joined) this.refresh().catch(() => undefined);
    });
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

function taskNames(value: unknown): string[] {
  const parsed = parseJson(value);
  return Array.isArray(parsed)
    ? parsed.filter((task): task is string => typeof task === 'string')
    : [];
}
