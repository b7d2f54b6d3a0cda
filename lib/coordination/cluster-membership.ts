import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  assignOwners,
  memberExpiryMs,
  type OwnershipMember,
} from './rendezvous-ownership';

/** What a heartbeat tells: the generation and every live member, this one included. */
export interface HeartbeatReply {
  generation: number;
  /** [member id, digest of its declared tasks]. */
  members: [string, string][];
}

/** What every backend's membership is given. */
export interface ClusterMembershipOptions {
  replicaId: string;
  leaseTtlMs: number;
  heartbeatMs: number;
  /** Called when the owners changed (a new view): catch-up hears what was gained. */
  onViewChanged?: () => void;
}

/**
 * This replica's membership of the cluster, whatever the backend: it
 * heartbeats (which also joins, rejoins and prunes expired members, on the
 * backend's clock), keeps the view of the live members and the tasks each
 * declares, and derives from it which member owns each task
 * (`assignOwners`: every member computes the same owners from the same
 * view). A change is announced by the backend (Redis PUBLISH, PostgreSQL
 * NOTIFY), so the others refresh at once instead of at their next heartbeat.
 *
 * Self-fencing: the view is trusted only until the member's expiry
 * (`memberExpiryMs`) after the last heartbeat that succeeded was *sent*
 * (monotonic time, which also runs while the process is stopped), since the
 * others may have pruned this member since. Past that, `fresh` is false and
 * the coordinator refreshes before claiming: a replica frozen past its lease
 * fires nothing it no longer owns.
 *
 * A backend supplies the heartbeat, the leave, the fetch of other members'
 * declared tasks and the change notifications (`RedisMembership`,
 * `PostgresMembership`).
 */
export abstract class ClusterMembership {
  /** Bumped when a member joins a cluster with no live member. */
  generation = 0;

  /** The declared tasks, sorted, their JSON and its digest. */
  protected declared: readonly string[] = [];
  protected declaredJson = '';
  protected digest = '';
  private tasksStored = false;
  private joined = false;
  private validUntil = -Infinity;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshSoon = false;
  /** A change was announced while a heartbeat was in flight: beat again after it. */
  private refreshAgain = false;
  /** Member id → its digest and declared tasks, as last fetched. */
  private readonly known = new Map<
    string,
    OwnershipMember & { digest: string }
  >();
  private viewKey = '';
  private owners = new Map<string, string>();

  constructor(private readonly base: ClusterMembershipOptions) {}

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
   * rejects: while the backend cannot be reached, the heartbeat keeps trying
   * and claims report the failure.
   */
  async join(tasks: readonly string[]): Promise<void> {
    this.setDeclared(tasks);
    this.joined = true;
    // A server that accepts connections and never answers must not hold the
    // app's bootstrap: past a heartbeat, the heartbeats make up for LISTEN.
    await atMost(Promise.resolve(this.startListening()), this.base.heartbeatMs);
    await this.refresh().catch(() => undefined);
    this.armHeartbeat();
  }

  /**
   * Heartbeats now (one shared call when several ask) and updates the view.
   * @throws what the backend's bounded call threw
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
   * @param lingerUntil the announcements are listened to until it settles
   *   (runs still in flight hear `cancelOther`'s cancels)
   */
  async leave(
    handoffMs: number,
    lingerUntil: Promise<unknown> = Promise.resolve(),
  ): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    try {
      await this.sendLeave();
      if (handoffMs > 0)
        await new Promise((resolve) => setTimeout(resolve, handoffMs));
    } catch {
      // Unreachable: the entry expires instead.
    } finally {
      void lingerUntil.finally(() => {
        if (!this.joined) this.stopListening();
      });
      this.validUntil = -Infinity;
      this.owners = new Map();
    }
  }

  /** One heartbeat; 'resend' when the backend lacks the declared tasks and they were not sent. */
  protected abstract beat(
    memberTtlMs: number,
    withTasks: boolean,
  ): Promise<HeartbeatReply | 'resend'>;

  /** Removes this member and announces it. */
  protected abstract sendLeave(): Promise<void>;

  /** The declared tasks of some other members. */
  protected abstract fetchTasks(ids: string[]): Promise<Map<string, string[]>>;

  /** Subscribes to the change announcements (never rejects). */
  protected abstract startListening(): void | Promise<void>;

  protected abstract stopListening(): void;

  /** After each heartbeat that succeeded (renewals, pruning). */
  protected afterBeat(): void | Promise<void> {}

  /** On each heartbeat timer, before the beat (reconnecting a listener). */
  protected beforeTimedBeat(): void {}

  /**
   * Replaces the tasks this member declares (tasks added or removed at run
   * time, durable schedules) and heartbeats soon, which stores them and
   * tells the others.
   */
  redeclare(tasks: readonly string[]): void {
    this.setDeclared(tasks);
    this.tasksStored = false;
    this.refreshNow();
  }

  private setDeclared(tasks: readonly string[]): void {
    this.declared = [...new Set(tasks)].sort();
    this.declaredJson = JSON.stringify(this.declared);
    this.digest = createHash('sha1')
      .update(this.declaredJson)
      .digest('hex')
      .slice(0, 16);
  }

  /** Another member announced a change: refresh now, not at the next heartbeat. */
  protected refreshNow(): void {
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

  // Start to start: a slow heartbeat (a loaded database) must not stretch
  // the period, since the member expires two heartbeats after the last.
  private armHeartbeat(delayMs = this.base.heartbeatMs): void {
    if (!this.joined) return;
    const timer = setTimeout(() => {
      this.heartbeatTimer = null;
      const startedAt = performance.now();
      this.beforeTimedBeat();
      this.refresh()
        .catch(() => undefined)
        .finally(() =>
          this.armHeartbeat(
            Math.max(
              0,
              this.base.heartbeatMs - (performance.now() - startedAt),
            ),
          ),
        );
    }, delayMs);
    // Heartbeats alone never keep the process alive: the scheduler's timers do.
    timer.unref();
    this.heartbeatTimer = timer;
  }

  private async heartbeat(): Promise<void> {
    const memberTtlMs = memberExpiryMs(this.base);
    const sentAt = performance.now();
    // What this beat sends: a redeclare meanwhile must not count as stored.
    const sentJson = this.declaredJson;
    let reply = await this.beat(memberTtlMs, !this.tasksStored);
    if (reply === 'resend') reply = await this.beat(memberTtlMs, true);
    this.tasksStored = sentJson === this.declaredJson;
    if (!this.joined || reply === 'resend') return; // left meanwhile
    this.validUntil = sentAt + memberTtlMs;
    this.generation = reply.generation;
    await this.updateView(reply.members);
    await this.afterBeat();
  }

  private async updateView(entries: [string, string][]): Promise<void> {
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const viewKey = entries.map(([id, digest]) => `${id}|${digest}`).join('\n');
    if (viewKey === this.viewKey) return;
    const { replicaId } = this.base;
    const missing = entries
      .filter(
        ([id, digest]) =>
          id !== replicaId && this.known.get(id)?.digest !== digest,
      )
      .map(([id]) => id);
    const fetched =
      missing.length > 0
        ? await this.fetchTasks(missing)
        : new Map<string, string[]>();
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
      next.set(id, { id, digest, tasks: new Set(fetched.get(id) ?? []) });
    }
    this.known.clear();
    for (const [id, member] of next) this.known.set(id, member);
    this.owners = assignOwners([...next.values()]);
    this.viewKey = viewKey;
    this.base.onViewChanged?.();
  }
}

/** The task names in a member's declared-tasks JSON (text or parsed); [] when unreadable. */
export function declaredTaskNames(value: unknown): string[] {
  let parsed = value;
  if (typeof value === 'string')
    try {
      parsed = JSON.parse(value);
    } catch {
      return [];
    }
  return Array.isArray(parsed)
    ? parsed.filter((task): task is string => typeof task === 'string')
    : [];
}

/** Waits for `promise`, but no longer than `ms` (its outcome is then ignored). */
function atMost(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise.catch(() => undefined), expiry]).finally(() =>
    clearTimeout(timer),
  );
}
