import {
  isNoScript,
  type ClusterScriptClient,
  type RedisScript,
} from './redis-cluster.scripts';

/** One script call waiting for the batch it joined. */
interface PendingCall {
  script: RedisScript;
  keys: string[];
  args: (string | number)[];
  resolve: (reply: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the script calls (claims, run ends, renewals) one replica makes in
 * the same turn of the event loop — the runs of one due time fire in one
 * synchronous pass — and sends them as ONE pipeline of `EVALSHA`s: one round
 * trip per due time and replica, one command per run. A Redis Cluster client
 * gets them unpipelined in the same turn (its pipelines must stay on one
 * node), which ioredis writes together.
 */
export class RedisScriptBatch {
  private pending: PendingCall[] = [];
  private readonly pipelines: boolean;

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
      if (this.pending.length === 0) queueMicrotask(() => this.flush());
      this.pending.push({ script, keys, args, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (!this.pipelines || batch.length === 1) {
      for (const item of batch)
        this.send(() =>
          item.script.run(this.client, item.keys, item.args),
        ).then(item.resolve, item.reject);
      return;
    }
    this.send(() => this.exec(batch)).then(
      (replies) => batch.forEach((item, i) => settle(item, replies[i])),
      (error: unknown) => batch.forEach((item) => item.reject(error)),
    );
  }

  // One pipeline; entries Redis answered NOSCRIPT (after a restart) are sent
  // again with the full script, which caches it.
  private async exec(batch: PendingCall[]): Promise<[unknown, unknown][]> {
    const pipeline = this.client.pipeline!();
    for (const { script, keys, args } of batch)
      pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
    const replies = ((await pipeline.exec()) ?? []) as [unknown, unknown][];
    const retried = await Promise.all(
      replies.map(async (reply, i): Promise<[unknown, unknown]> => {
        if (!isNoScript(reply[0])) return reply;
        const { script, keys, args } = batch[i];
        try {
          return [null, await script.run(this.client, keys, args)];
        } catch (error) {
          return [error, null];
        }
      }),
    );
    return retried;
  }
}

function settle(
  item: PendingCall,
  reply: [unknown, unknown] | undefined,
): void {
  if (reply === undefined) item.reject(new Error('no reply in the pipeline'));
  else if (reply[0]) item.reject(reply[0]);
  else item.resolve(reply[1]);
}
