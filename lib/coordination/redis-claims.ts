import { claimTtlMs } from './claim-expiry';
import {
  encodeSignal,
  type FenceSignalKind,
  holdsBusyDueTimes,
} from './cluster-signals';
import type { ClaimAnswer } from './coordinator.interface';
import type { DeclaredClaim } from './declared-claims';
import { asFailure, describeInstant } from './redis-bounded-calls';
import {
  CLAIM_BUSY,
  CLAIM_GIVE_UP_SCRIPT,
  CLAIM_SCRIPT,
  CLAIM_WON,
  RUN_ENDED_SCRIPT,
  RUN_RENEW_SCRIPT,
} from './redis-cluster.scripts';
import {
  RedisClaimsAhead,
  type RedisClaimsAheadHost,
} from './redis-claims-ahead';
import {
  CLAIM_GIVEN_UP,
  isClaimWait,
  RedisFenceRevokes,
} from './redis-fence-revokes';
import { RunsInFlight } from './runs-in-flight';

/** What a member's claims need of its coordinator. */
export interface RedisClaimsHost extends RedisClaimsAheadHost {
  readonly leaseTtlMs: number;
  /** Fence short-period tasks' next due times ahead (`redis-claims-ahead.ts`). */
  readonly claimAhead: boolean;
  /** The member owning `task` in this replica's view. */
  ownerOf(task: string): string | undefined;
  /** The membership's generation (what maxLoopCount counts within). */
  generation(): number;
  /** A declared task's maxLoopCount (0: none), overlap and count start. */
  declared(task: string): DeclaredClaim | undefined;
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
  /** Fences taken ahead; null when the coordinator does not fence ahead. */
  readonly ahead: RedisClaimsAhead | null;
  /** Claims waiting for another member's fence ahead they revoked. */
  private readonly revokes: RedisFenceRevokes;

  /** @param host the coordinator */
  constructor(private readonly host: RedisClaimsHost) {
    this.ahead = host.claimAhead ? new RedisClaimsAhead(host) : null;
    this.revokes = new RedisFenceRevokes(host);
  }

  /** The member leaves: claims waiting for another member's fence give up. */
  stopWaiting(): void {
    this.revokes.stop();
  }

  /** A signal about a fence taken ahead (`redis-fence-revokes.ts`). */
  fenceSignal(kind: FenceSignalKind, task: string): void {
    if (kind === 'revoke') this.ahead?.giveBack(task);
    else this.revokes.unfenced(task);
  }

  /** See `RedisCoordinator.claim`: a member's claim. */
  claim(
    task: string,
    dueAt: number,
    periodMs: number | null,
    catchUp: boolean,
  ): Promise<ClaimAnswer> {
    // A due time fenced ahead is run by its holder, whoever owns it now.
    const held = catchUp ? undefined : this.ahead?.take(task, dueAt);
    if (held !== undefined)
      return held.then((use) =>
        use
          ? this.confirm(task, dueAt, periodMs)
          : this.claimNow(task, dueAt, periodMs, catchUp),
      );
    return this.claimNow(task, dueAt, periodMs, catchUp);
  }

  /**
   * See `Coordinator.claimHeld`: a due time fenced ahead whose answer is in
   * is confirmed now, so its run starts in the pass that fires it rather than
   * after the pass, behind every other answer's promise.
   */
  claimHeld(task: string, dueAt: number, periodMs: number | null): boolean {
    if (this.ahead?.takeAnswered(task, dueAt) !== true) return false;
    return this.confirm(task, dueAt, periodMs);
  }

  /**
   * Starts a due time this replica fenced ahead: its run is marked in flight
   * now, and the claim confirming the fence (state, running key) goes in the
   * batch, before anything the run sends when it ends.
   */
  private confirm(task: string, dueAt: number, periodMs: number | null): true {
    const host = this.host;
    const declared = host.declared(task);
    const overlap = declared?.overlap ?? 'allow';
    if (overlap !== 'allow') this.inFlight.claimWon(task);
    host.batch.post(
      CLAIM_SCRIPT,
      this.claimKeys(task, dueAt),
      this.claimArgs(dueAt, periodMs, declared, overlap, '1'),
    );
    // The chain stops where ownership moved: the new owner claims the next one.
    if (host.ownerOf(task) === host.replicaId)
      this.ahead!.afterPass(
        task,
        dueAt,
        periodMs,
        overlap,
        declared?.maxLoops ?? 0,
      );
    return true;
  }

  private claimKeys(task: string, dueAt: number): string[] {
    const keys = this.host.keys;
    return [keys.claim(task, dueAt), keys.state(task), keys.running(task)];
  }

  /**
   * The claim script's ARGV; the count's start and the mode only when
   * needed (one claim of thousands of a due time sends neither).
   * @param mode '' a claim, '1' a confirmation, '2' a claim asked again
   */
  private claimArgs(
    dueAt: number,
    periodMs: number | null,
    declared: DeclaredClaim | undefined,
    overlap: string,
    mode: '' | '1' | '2' = '',
  ): (string | number)[] {
    const host = this.host;
    const args: (string | number)[] = [
      host.replicaId,
      claimTtlMs(periodMs),
      dueAt,
      declared?.maxLoops ?? 0,
      host.generation(),
      overlap,
      host.leaseTtlMs,
    ];
    const loopsFrom = declared?.loopsFrom ?? 0;
    if (loopsFrom !== 0 || mode !== '') args.push(loopsFrom);
    if (mode !== '') args.push(mode);
    return args;
  }

  private claimNow(
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
    const maxLoops = declared?.maxLoops ?? 0;
    const keys = this.claimKeys(task, dueAt);
    const args = this.claimArgs(dueAt, periodMs, declared, overlap);
    const decided = (reply: unknown): ClaimAnswer => {
      answered(reply === CLAIM_WON);
      if (reply === CLAIM_BUSY) return 'busy';
      if (reply !== CLAIM_WON) return false;
      if (!catchUp) this.ahead?.after(task, dueAt, periodMs, overlap, maxLoops);
      return true;
    };
    const failed = (error: unknown): never => {
      answered(false);
      throw asFailure(`claim ${task} due at ${describeInstant(dueAt)}`, error);
    };
    return host.batch.run(CLAIM_SCRIPT, keys, args).then(
      (reply) =>
        // Another member's fence ahead was revoked: asked again once it is gone.
        isClaimWait(reply)
          ? this.revokes
              .settle(task, reply, () =>
                host.batch.run(
                  CLAIM_SCRIPT,
                  keys,
                  this.claimArgs(dueAt, periodMs, declared, overlap, '2'),
                ),
              )
              .then(
                (settled) =>
                  settled === CLAIM_GIVEN_UP
                    ? this.giveUp(task, keys, answered)
                    : decided(settled),
                failed,
              )
          : decided(reply),
      failed,
    );
  }

  /**
   * A claim that waited on another member's fence, given up as its member
   * leaves: no run, and the due time and the running key it took go back.
   */
  private giveUp(
    task: string,
    keys: string[],
    answered: (won: boolean) => void,
  ): false {
    answered(false);
    const host = this.host;
    host.batch.post(
      CLAIM_GIVE_UP_SCRIPT,
      [keys[0], keys[2]],
      [host.replicaId, this.inFlight.has(task) ? '1' : ''],
    );
    return false;
  }

  /** See `RedisCoordinator.runEnded`. */
  runEnded(task: string): void {
    if (this.inFlight.ended(task)) this.freeRunning(task);
  }

  /** Renews the running keys of the tasks in flight here (each heartbeat). */
  renewRunning(): void {
    const host = this.host;
    for (const task of this.inFlight)
      host.batch.post(
        RUN_RENEW_SCRIPT,
        [host.keys.running(task)],
        [host.replicaId, host.leaseTtlMs],
      );
  }

  private freeRunning(task: string): void {
    const host = this.host;
    // Owners holding a due time for this run wait for this signal.
    const payload = holdsBusyDueTimes(host.declared(task)?.overlap)
      ? encodeSignal('ended', task)
      : '';
    host.batch.post(
      RUN_ENDED_SCRIPT,
      [host.keys.running(task)],
      [host.replicaId, host.channel(), payload],
    );
  }
}
