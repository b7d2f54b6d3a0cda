import {
  isNoScript,
  type ClusterScriptClient,
  type RedisScript,
} from './redis-cluster.scripts';
import {
  FUSED_MAX_CALLS,
  FUSED_SCRIPT,
  fuseCalls,
  isFusable,
  unfuseReplies,
} from './redis-fused-script';
import { WritesInFlight } from './writes-in-flight';

/** One script call waiting for the batch it joined. */
interface PendingCall {
  script: RedisScript;
  keys: readonly string[];
  args: readonly (string | number)[];
  resolve: (reply: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the script calls (claims, run ends, renewals) one replica makes in
 * the same turn of the event loop — the runs of one due time fire in one
 * synchronous pass — and sends them as ONE pipeline: one round trip per due
 * time and replica, and the per-run scripts fused into one `EVALSHA` per
 * `FUSED_MAX_CALLS` calls (`redis-fused-script.ts`), since a command's cost
 * in the client and in Redis dwarfs a claim's own work. A Redis Cluster client
 * gets them unpipelined in the same turn (its pipelines must stay on one
 * node), which ioredis writes together.
 */
export class RedisScriptBatch {
  private pending: PendingCall[] = [];
  private readonly pipelines: boolean;
  /** A flush is queued for the end of this turn. */
  private queued = false;
  /** Called at the flush, before sending: they add calls whose making waited. */
  private fills: (() => void)[] = [];
  /** Flushes whose calls are not all answered yet (NOSCRIPT retries included). */
  private readonly sending = new WritesInFlight();

  /**
   * @param client the coordinator's client
   * @param send the coordinator's bounded call (claimTimeoutMs); its
   *   rejection is what each claim of a failed batch rejects with
   */
  constructor(
    private readonly client: ClusterScriptClient,
    private readonly send: <T>(command: () => Promise<T>) => Promise<T>,
  ) {
    this.pipelines =
      client.isCluster !== true && typeof client.pipeline === 'function';
  }

  /** Queues one script call; resolves to its reply. */
  run(
    script: RedisScript,
    keys: string[],
    args: (string | number)[],
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.queue();
      this.pending.push({ script, keys, args, resolve, reject });
    });
  }

  /** Queues one script call whose reply and failure nobody waits for (no promise made). */
  post(script: RedisScript, keys: string[], args: (string | number)[]): void {
    this.queue();
    this.pending.push({ script, keys, args, resolve: ignore, reject: ignore });
  }

  /**
   * Calls `fill` when this turn's batch is sent, before sending, to add
   * calls then (after those queued meanwhile): a dispatch pass leaves the
   * making of its runs' records until its last run has started.
   */
  beforeSend(fill: () => void): void {
    this.queue();
    this.fills.push(fill);
  }

  /**
   * Resolves once every call queued so far is answered (or failed): a call
   * queued after it cannot overtake them, even through a NOSCRIPT retry.
   */
  async settled(): Promise<void> {
    // The flush is a microtask queued before this one.
    if (this.queued) await Promise.resolve();
    await this.sending.settled();
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.queued = false;
    const fills = this.fills;
    if (fills.length > 0) {
      this.fills = [];
      for (const fill of fills) {
        try {
          fill();
        } catch {
          // A record lost; nothing else may be.
        }
      }
    }
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let sent: Promise<unknown>;
    if (!this.pipelines || batch.length === 1) {
      sent = Promise.all(
        batch.map((item) =>
          this.send(() =>
            item.script.run(this.client, item.keys, item.args),
          ).then(item.resolve, item.reject),
        ),
      );
    } else {
      sent = this.send(() => this.exec(segmentsOf(batch))).then(
        (replies) => batch.forEach((item, i) => settle(item, replies[i])),
        (error: unknown) => batch.forEach((item) => item.reject(error)),
      );
    }
    this.sending.track(sent);
  }

  // One pipeline: a fused script per run of fusable calls, the others one
  // EVALSHA each, in the order they came. Entries Redis answered NOSCRIPT
  // (after a restart) are sent again with the full script, which caches it.
  private async exec(segments: Segment[]): Promise<[unknown, unknown][]> {
    const pipeline = this.client.pipeline!();
    for (const { script, keys, args } of segments)
      pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
    const replies = ((await pipeline.exec()) ?? []) as [unknown, unknown][];
    const settled = await Promise.all(
      replies.map(async (reply, i): Promise<[unknown, unknown]> => {
        if (!isNoScript(reply[0])) return reply;
        const { script, keys, args } = segments[i];
        try {
          return [null, await script.run(this.client, keys, args)];
        } catch (error) {
          return [error, null];
        }
      }),
    );
    const out: [unknown, unknown][] = [];
    segments.forEach((segment, i) => {
      const reply = settled[i] ?? [new Error('no reply in the pipeline'), null];
      if (segment.calls === 0) out.push(reply);
      else if (reply[0])
        for (let j = 0; j < segment.calls; j++) out.push([reply[0], null]);
      else out.push(...unfuseReplies(reply[1], segment.calls));
    });
    return out;
  }
}

function ignore(): void {}

/** One command of a pipeline: a call, or a fused script of `calls` calls. */
interface Segment {
  script: RedisScript;
  keys: readonly string[];
  args: readonly (string | number)[];
  /** 0: a plain call. */
  calls: number;
}

/** The batch as pipeline commands: consecutive fusable calls fused. */
function segmentsOf(batch: readonly PendingCall[]): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  while (i < batch.length) {
    let j = i;
    while (
      j < batch.length &&
      j - i < FUSED_MAX_CALLS &&
      isFusable(batch[j].script)
    )
      j++;
    if (j - i >= 2) {
      const calls = batch.slice(i, j);
      segments.push({
        script: FUSED_SCRIPT,
        ...fuseCalls(calls),
        calls: j - i,
      });
      i = j;
    } else {
      const { script, keys, args } = batch[i];
      segments.push({ script, keys, args, calls: 0 });
      i++;
    }
  }
  return segments;
}

function settle(
  item: PendingCall,
  reply: [unknown, unknown] | undefined,
): void {
  if (reply === undefined) item.reject(new Error('no reply in the pipeline'));
  else if (reply[0]) item.reject(reply[0]);
  else item.resolve(reply[1]);
}
