import { claimTtlMs } from './claim-expiry';
import { encodeSignal, holdsBusyDueTimes } from './cluster-signals';
import type { ClaimAnswer } from './coordinator.interface';
import { asFailure, describeInstant } from './redis-bounded-calls';
import {
  CLAIM_BUSY,
  CLAIM_SCRIPT,
  CLAIM_WON,
  RUN_ENDED_SCRIPT,
  RUN_RENEW_SCRIPT,
} from './redis-cluster.scripts';
import type { RedisScriptBatch } from './redis-script-batch';
import type { RedisTaskKeys } from './redis-task-keys';
import { RunsInFlight } from './runs-in-flight';

/** What a member's claims need of its coordinator. */
export interface RedisClaimsHost {
  readonly replicaId: string;
  readonly leaseTtlMs: number;
  readonly keys: RedisTaskKeys;
  readonly batch: RedisScriptBatch;
  /** The member owning `task` in this replica's view. */
  ownerOf(task: string): string | undefined;
  /** The membership's generation (what maxLoopCount counts within). */
  generation(): number;
  /** The membership's channel (ended runs are signalled on it). */
  channel(): string;
  /** A declared task's maxLoopCount (0: none) and overlap. */
  declared(task: string): { maxLoops: number; overlap: string } | undefined;
}

/**
 * A member's claims through the claim script (the fence, the durable state,
 * the cluster-wide overlap), and the running keys of its runs in flight:
 * set by a won claim, renewed with each heartbeat, freed when the last run
 * of the task here ends. Each call joins the coordinator's script batch.
 */
export class RedisClaims {
  /** Tasks this replica holds the running key of. */
  readonly inFlight = new RunsInFlight();

  /** @param host the coordinator */
  constructor(private readonly host: RedisClaimsHost) {}

  /** See `RedisCoordinator.claim`: a member's claim. */
  claim(
    task: string,
    dueAt: number,
    periodMs: number | null,
    catchUp: boolean,
  ): Promise<ClaimAnswer> {
    const host = this.host;
    const owner = host.ownerOf(task);
    // A catch-up given to this replica is finished here even if the task
    // moved meanwhile: its new owner found it caught up.
    if (owner !== undefined && owner !== host.replicaId && !catchUp)
      return Promise.resolve('notOwner');
    const declared = host.declared(task);
    const overlap = declared?.overlap ?? 'allow';
    const marks = overlap !== 'allow';
    if (marks) this.inFlight.claimSent(task);
    // The end of a run that came meanwhile, unless this claim marked a new one.
    const answered = (won: boolean): void => {
      if (marks && this.inFlight.claimAnswered(task, won))
        this.freeRunning(task);
    };
    return host.batch
      .run(
        CLAIM_SCRIPT,
        [
          host.keys.claim(task, dueAt),
          host.keys.state(task),
          host.keys.running(task),
        ],
        [
          host.replicaId,
          claimTtlMs(periodMs),
          dueAt,
          declared?.maxLoops ?? 0,
          host.generation(),
          overlap,
          host.leaseTtlMs,
        ],
      )
      .then(
        (reply): ClaimAnswer => {
          answered(reply === CLAIM_WON);
          if (reply === CLAIM_BUSY) return 'busy';
          return reply === CLAIM_WON;
        },
        (error: unknown) => {
          answered(false);
          throw asFailure(
            `claim ${task} due at ${describeInstant(dueAt)}`,
            error,
          );
        },
      );
  }

  /** See `RedisCoordinator.runEnded`. */
  runEnded(task: string): void {
    if (this.inFlight.ended(task)) this.freeRunning(task);
  }

  /** Renews the running keys of the tasks in flight here (each heartbeat). */
  renewRunning(): void {
    const host = this.host;
    for (const task of this.inFlight)
      host.batch
        .run(
          RUN_RENEW_SCRIPT,
          [host.keys.running(task)],
          [host.replicaId, host.leaseTtlMs],
        )
        .catch(() => undefined);
  }

  private freeRunning(task: string): void {
    const host = this.host;
    // Owners holding a due time for this run wait for this signal.
    const payload = holdsBusyDueTimes(host.declared(task)?.overlap)
      ? encodeSignal('ended', task)
      : '';
    host.batch
      .run(
        RUN_ENDED_SCRIPT,
        [host.keys.running(task)],
        [host.replicaId, host.channel(), payload],
      )
      .catch(() => undefined);
  }
}
