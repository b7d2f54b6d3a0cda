import {
  DECLARED_ELSEWHERE_SCRIPT,
  HEARTBEAT_SCRIPT,
  LEAVE_SCRIPT,
  type ClusterScriptClient,
} from './redis-cluster.scripts';
import type { RedisCoordinatorSubscriber as Subscriber } from './redis-client.interface';
import { redisChannel } from './redis-channels';
import {
  ClusterMembership,
  declaredTaskNames,
  type HeartbeatReply,
} from './cluster-membership';

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
  /** A payload on the channel; `false` when it is no signal (a membership change). */
  onSignal?: (payload: string) => boolean;
}

/**
 * The cluster membership (`ClusterMembership`) on Redis: a members hash
 * (id → "expiresAt|digest") and a declared-tasks hash, kept by one heartbeat
 * script on the server's clock (TIME), and a channel announcing changes to a
 * duplicate()'d subscriber connection.
 */
export class RedisMembership extends ClusterMembership {
  private readonly membersKey: string;
  private readonly tasksKey: string;
  private readonly generationKey: string;
  /** The channel of membership changes (and of `cluster-signals.ts`), per database. */
  readonly channel: string;
  private subscriber: Subscriber | null = null;

  constructor(private readonly options: RedisMembershipOptions) {
    super(options);
    const base = `${options.keyPrefix}:{members}`;
    this.membersKey = base;
    this.tasksKey = `${base}:tasks`;
    this.generationKey = `${base}:generation`;
    this.channel = redisChannel(options.client, `${base}:changed`);
  }

  protected async beat(
    memberTtlMs: number,
    withTasks: boolean,
  ): Promise<HeartbeatReply | 'resend'> {
    const { client, replicaId, send } = this.options;
    const reply = (await send(() =>
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
    )) as (string | number)[];
    if (reply[0] === -1) return 'resend';
    const members: [string, string][] = [];
    for (let i = 2; i < reply.length; i += 2)
      members.push([String(reply[i]), String(reply[i + 1]).split('|')[1]]);
    return { generation: Number(reply[0]), members };
  }

  protected override afterBeat(): void {
    this.options.onHeartbeat?.();
  }

  protected async sendLeave(): Promise<void> {
    const { client, replicaId, send } = this.options;
    await send(() =>
      LEAVE_SCRIPT.run(
        client,
        [this.membersKey, this.tasksKey],
        [replicaId, this.channel],
      ),
    );
  }

  /**
   * Whether a live member other than this replica declares `task`, read from
   * Redis now rather than from the view: right for a replica that is no
   * member (scheduling disabled, no view) and for a member whose view is stale.
   * @throws what the bounded call threw
   */
  async declaredElsewhere(task: string): Promise<boolean> {
    const { client, replicaId, send } = this.options;
    const reply = await send(() =>
      DECLARED_ELSEWHERE_SCRIPT.run(
        client,
        [this.membersKey, this.tasksKey],
        [replicaId, task],
      ),
    );
    return Number(reply) === 1;
  }

  protected async fetchTasks(ids: string[]): Promise<Map<string, string[]>> {
    const { client, send } = this.options;
    const values = await send(() => client.hmget(this.tasksKey, ...ids));
    return new Map(ids.map((id, i) => [id, declaredTaskNames(values[i])]));
  }

  // Another member joined or left: refresh now, not at the next heartbeat.
  protected startListening(): void {
    const client = this.options.client;
    if (typeof client.duplicate !== 'function') return;
    try {
      const subscriber = client.duplicate();
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel, from) => {
        if (this.options.onSignal?.(from) === true) return;
        if (from !== this.options.replicaId) this.refreshNow();
      });
      subscriber.subscribe(this.channel).catch(() => undefined);
      this.subscriber = subscriber;
    } catch {
      // Without a subscriber, heartbeats alone refresh the view.
    }
  }

  protected stopListening(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}
