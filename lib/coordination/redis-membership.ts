import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  HEARTBEAT_SCRIPT,
  LEAVE_SCRIPT,
  type ClusterScriptClient,
} from './redis-cluster.scripts';
import type { RedisCoordinatorSubscriber as Subscriber } from './redis-client.interface';
import {
  assignOwners,
  memberExpiryMs,
  type OwnershipMember,
} from './rendezvous-ownership';

/** What `RedisMembership` needs from its coordinator. */
export interface RedisMembershipOptions {
  client: ClusterScriptClient;
  keyPrefix: string;
  replicaId: string;
  leaseTtlMs: number;
  heartbeatMs: number;
  /** Sends one command, bounded by the coordinator's `claimTimeoutMs`. */
  send: <T>(command: () => Promise<T>) => Promise<T>;
  /** Called after each heartbeat that succeeded. */
  onHeartbeat?: () => void;
  /** Called when the owners changed (a new view). */
  onViewChanged?: () => void;
}

/**
 * This replica's membership of the cluster: it heartbeats (which also joins,
 * rejoins and prunes expired members, on the server's clock), keeps the view
 * of the live members and the tasks each declares, and derives from it which
 * member owns each task. Every member computes the same owners from the same
 * view; a change is published, so the others refresh at once instead of at
 * their next heartbeat.
 *
 * Self-fencing: the view is trusted only until its entry's expiry
 * (`memberExpiryMs`) after the last
 * heartbeat that succeeded was *sent* (monotonic time, which also runs while
 * the process is stopped), since the others may have pruned this member
 * since. Past that, `fresh` is false and the coordinator refreshes before
 * claiming: a replica frozen past its lease fires nothing it no longer owns.
 */
export class RedisMembership {
  /** Bumped when a member joins a cluster with no live member. */
  generation = 0;

  private readonly membersKey: string;
  private readonly tasksKey: string;
  private readonly generationKey: string;
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
  /** A change was announced while a heartbeat was in flight: beat again after it. */
  private refreshAgain = false;
  private subscriber: Subscriber | null = null;
  /** Member id → its digest and declared tasks, as last fetched. */
  private readonly known = new Map<
    string,
    OwnershipMember & { digest: string }
  >();
  private viewKey = '';
  private owners = new Map<string, string>();

  constructor(private readonly options: RedisMembershipOptions) {
    const base = `${options.keyPrefix}:{members}`;
    this.membersKey = base;
    this.tasksKey = `${base}:tasks`;
    this.generationKey = `${base}:generation`;
    this.channel = `${base}:changed`;
  }

  /** True once `join` was called and until `leave`. */
  get active(): boolean {
    return this.joined;
  }

  /** True while the view may be trusted (see the class comment). */
  get fresh(): boolean {
    return performance.now() < this.validUntil;
  }

  /**
   * The member owning `task` in the current view; `undefined` when no live
   * member declares it (then the claim alone decides).
   */
  ownerOf(task: string): string | undefined {
    return this.owners.get(task);
  }

  /** Every live member's id, in the current view. */
  get members(): string[] {
    return [...this.known.keys()];
  }

  /**
   * Joins with the tasks this replica may own and starts heartbeating. Never
   * rejects: when Redis cannot be reached, the heartbeat keeps trying and
   * claims report the failure.
   */
  async join(tasks: readonly string[]): Promise<void> {
    this.declared = [...new Set(tasks)].sort();
    this.declaredJson = JSON.stringify(this.declared);
    this.digest = createHash('sha1')
      .update(this.declaredJson)
      .digest('hex')
      .slice(0, 16);
    this.joined = true;
    this.subscribe();
    await this.refresh().catch(() => undefined);
    this.armHeartbeat();
  }

  /**
   * Heartbeats now (one shared call when several ask) and updates the view.
   * @throws what the coordinator's bounded call threw
   */
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
   * Leaves at once: removes this member and tells the others, who take its
   * tasks over. Until this resolves the view is kept, so this replica still
   * fires what it owns while the others learn of the change: for a moment
   * both may claim a due time, and the claim picks one; none is lost.
   * @param handoffMs how long to keep owning after the others were told
   */
  async leave(handoffMs: number): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    const { client, replicaId, send } = this.options;
    try {
      await send(() =>
        LEAVE_SCRIPT.run(
          client,
          [this.membersKey, this.tasksKey],
          [replicaId, this.channel],
        ),
      );
      if (handoffMs > 0)
        await new Promise((resolve) => setTimeout(resolve, handoffMs));
    } catch {
      // Unreachable: the entry expires after leaseTtlMs instead.
    } finally {
      this.subscriber?.disconnect();
      this.subscriber = null;
      this.validUntil = -Infinity;
      this.owners = new Map();
    }
  }

  private armHeartbeat(): void {
    if (!this.joined) return;
    const timer = setTimeout(() => {
      this.heartbeatTimer = null;
      this.refresh()
        .catch(() => undefined)
        .finally(() => this.armHeartbeat());
    }, this.options.heartbeatMs);
    // Heartbeats alone never keep the process alive: the scheduler's timers do.
    timer.unref();
    this.heartbeatTimer = timer;
  }

  private async heartbeat(): Promise<void> {
    const { client, replicaId, send } = this.options;
    const memberTtlMs = memberExpiryMs(this.options);
    const sentAt = performance.now();
    const beat = (withTasks: boolean): Promise<unknown> =>
      send(() =>
        HEARTBEAT_SCRIPT.run(
          client,
          [this.membersKey, this.tasksKey, this.generationKey],
          [
            replicaId,
            memberTtlMs,
            this.digest,
            withTasks ? this.declaredJson : '',
            this.channel,
          ],
        ),
      );
    let reply = (await beat(!this.tasksStored)) as (string | number)[];
    if (reply[0] === -1) reply = (await beat(true)) as (string | number)[];
    this.tasksStored = true;
    if (!this.joined) return; // left meanwhile
    this.validUntil = sentAt + memberTtlMs;
    this.options.onHeartbeat?.();
    this.generation = Number(reply[0]);
    const entries: [string, string][] = [];
    for (let i = 2; i < reply.length; i += 2)
      entries.push([String(reply[i]), String(reply[i + 1]).split('|')[1]]);
    await this.updateView(entries);
  }

  private async updateView(entries: [string, string][]): Promise<void> {
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const viewKey = entries.map(([id, digest]) => `${id}|${digest}`).join('\n');
    if (viewKey === this.viewKey) return;
    const missing = entries
      .filter(
        ([id, digest]) =>
          id !== this.options.replicaId &&
          this.known.get(id)?.digest !== digest,
      )
      .map(([id]) => id);
    const fetched = new Map<string, string | null>();
    if (missing.length > 0) {
      const { client, send } = this.options;
      const values = await send(() => client.hmget(this.tasksKey, ...missing));
      missing.forEach((id, i) => fetched.set(id, values[i]));
    }
    const next = new Map<string, OwnershipMember & { digest: string }>();
    for (const [id, digest] of entries) {
      if (id === this.options.replicaId) {
        next.set(id, { id, digest, tasks: new Set(this.declared) });
        continue;
      }
      const previous = this.known.get(id);
      if (!fetched.has(id) && previous !== undefined) {
        next.set(id, previous);
        continue;
      }
      next.set(id, { id, digest, tasks: new Set(parseTasks(fetched.get(id))) });
    }
    this.known.clear();
    for (const [id, member] of next) this.known.set(id, member);
    this.owners = assignOwners([...next.values()]);
    this.viewKey = viewKey;
    this.options.onViewChanged?.();
  }

  // Another member joined or left: refresh now, not at the next heartbeat.
  private subscribe(): void {
    const client = this.options.client;
    if (typeof client.duplicate !== 'function') return;
    try {
      const subscriber = client.duplicate();
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel, from) => {
        if (from !== this.options.replicaId) this.refreshNow();
      });
      subscriber.subscribe(this.channel).catch(() => undefined);
      this.subscriber = subscriber;
    } catch {
      // Without a subscriber, heartbeats alone refresh the view.
    }
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

function parseTasks(json: string | null | undefined): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value)
      ? value.filter((task): task is string => typeof task === 'string')
      : [];
  } catch {
    return [];
  }
}
