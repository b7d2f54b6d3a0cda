import {
  CLAIM_SCRIPT,
  CLAIM_WON,
  isNoScript,
  type ClusterScriptClient,
} from './redis-cluster.scripts';

/** One claim waiting for the batch it joined. */
interface PendingClaim {
  keys: [claimKey: string, stateKey: string];
  args: (string | number)[];
  resolve: (won: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the claims one replica makes in the same turn of the event loop
 * (the runs of one due time fire in one synchronous pass) and sends them as
 * ONE pipeline of `EVALSHA`s: one round trip per due time and replica, one
 * command per run. A Redis Cluster client gets them unpipelined in the same
 * turn (its pipelines must stay on one node), which ioredis writes together.
 */
export class RedisClaimBatch {
  private pending: PendingClaim[] = [];
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

  /** Queues one claim (see `CLAIM_SCRIPT` for keys and args); resolves `true` when won. */
  claim(
    keys: [claimKey: string, stateKey: string],
    args: (string | number)[],
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => this.flush());
      this.pending.push({ keys, args, resolve, reject });
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    if (!this.pipelines || batch.length === 1) {
      for (const item of batch)
        this.send(() =>
          CLAIM_SCRIPT.run(this.client, item.keys, item.args),
        ).then((reply) => item.resolve(reply === CLAIM_WON), item.reject);
      return;
    }
    this.send(() => this.exec(batch)).then(
      (replies) => batch.forEach((item, i) => settle(item, replies[i])),
      (error: unknown) => batch.forEach((item) => item.reject(error)),
    );
  }

  // One pipeline; entries Redis answered NOSCRIPT (after a restart) are sent
  // again with the full script, which caches it.
  private async exec(batch: PendingClaim[]): Promise<[unknown, unknown][]> {
    const pipeline = this.client.pipeline!();
    for (const { keys, args } of batch)
      pipeline.evalsha(CLAIM_SCRIPT.sha, keys.length, ...keys, ...args);
    const replies = ((await pipeline.exec()) ?? []) as [unknown, unknown][];
    const retried = await Promise.all(
      replies.map(async (reply, i): Promise<[unknown, unknown]> => {
        if (!isNoScript(reply[0])) return reply;
        const { keys, args } = batch[i];
        try {
          return [null, await CLAIM_SCRIPT.run(this.client, keys, args)];
        } catch (error) {
          return [error, null];
        }
      }),
    );
    return retried;
  }
}

function settle(
  item: PendingClaim,
  reply: [unknown, unknown] | undefined,
): void {
  if (reply === undefined) item.reject(new Error('no reply in the pipeline'));
  else if (reply[0]) item.reject(reply[0]);
  else item.resolve(reply[1] === CLAIM_WON);
}
