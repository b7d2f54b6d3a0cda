import type { ClusterListener } from './coordinator.interface';
import { WritesInFlight } from './writes-in-flight';

// A signal rides the membership channel (Redis PUBLISH, PostgreSQL NOTIFY)
// whose other payloads are replica ids; the control character keeps the two
// apart, and replicas of an older version only refresh their view on it.
const MARK = '\u0001';

/** What a signal asks of the replicas that receive it. */
export type ClusterSignalKind = 'cancel' | 'pause' | 'ended' | FenceSignalKind;

/**
 * The signals about fences taken ahead (Redis, `redis-fence-revokes.ts`):
 * `revoke` asks the holder of a task's fence to give it back, `unfenced`
 * says it did.
 */
export type FenceSignalKind = 'revoke' | 'unfenced';

const KINDS: ReadonlySet<string> = new Set<ClusterSignalKind>([
  'cancel',
  'pause',
  'ended',
  'revoke',
  'unfenced',
]);

/** The payload of one signal about `task`. */
export function encodeSignal(kind: ClusterSignalKind, task: string): string {
  return `${MARK}${kind}${MARK}${task}`;
}

/** The signal in a channel payload, or null when it is a membership change. */
export function decodeSignal(
  payload: string,
): { kind: ClusterSignalKind; task: string } | null {
  if (!payload.startsWith(MARK)) return null;
  const end = payload.indexOf(MARK, 1);
  if (end < 0) return null;
  const kind = payload.slice(1, end);
  if (!KINDS.has(kind)) return null;
  return { kind: kind as ClusterSignalKind, task: payload.slice(end + 1) };
}

/** Whether a busy due time of a task with this `overlap` is held for later, not skipped. */
export function holdsBusyDueTimes(overlap: string | undefined): boolean {
  return (
    overlap === 'bufferOne' ||
    overlap === 'bufferAll' ||
    overlap === 'cancelOther'
  );
}

/** The backend calls `ClusterSignals` makes; each rejects on failure. */
export interface ClusterSignalIo {
  /** Sends `payload` on the membership channel. */
  publish(payload: string): Promise<unknown>;
  /** Stores (`reason`) or clears (null) a task's pause, then sends `payload`. */
  storePause(
    task: string,
    reason: string | null,
    payload: string,
  ): Promise<unknown>;
  /** Every paused task and its reason. */
  readPaused(): Promise<[string, string][]>;
}

/**
 * The cluster-wide side of `cancelOther` and `pauseOnFailure` for one durable
 * coordinator: sends the signals, passes the ones received to the scheduler,
 * and keeps the paused tasks it knows in step with the store (refreshed with
 * each heartbeat, and at once on a 'pause' signal). Never throws: a signal
 * lost to an outage is made good by the next refresh (pauses) or by the
 * holder's own timers (a cancel it never hears of ends with the run).
 */
export class ClusterSignals {
  private listener: ClusterListener | null = null;
  /** Paused tasks as last read (or written here), with their reasons. */
  private paused = new Map<string, string>();
  /** Bumped by each local pause or resume: a read started before it is stale. */
  private version = 0;
  private reading: Promise<void> | null = null;
  private readonly unwatchers: (() => void)[] = [];
  /** Pauses (reason) and resumes (null) made here that the backend has not taken yet. */
  private readonly unsaved = new Map<string, string | null>();
  /** The last pause or resume sent to the backend (settled: the next may go). */
  private lastWrite: Promise<unknown> = Promise.resolve();
  /** Pauses and resumes still being stored (`clear` waits for them). */
  private readonly storing = new WritesInFlight();

  /**
   * @param io the backend's calls
   * @param fences where the signals about fences taken ahead go (none: ignored)
   */
  constructor(
    private readonly io: ClusterSignalIo,
    private readonly fences?: (kind: FenceSignalKind, task: string) => void,
  ) {}

  /** True while a scheduler listens (between its start and the end of its stop). */
  get watching(): boolean {
    return this.listener !== null;
  }

  /** Resolves when the scheduler stops listening (at once when none listens). */
  unwatched(): Promise<void> {
    if (this.listener === null) return Promise.resolve();
    return new Promise((resolve) => this.unwatchers.push(resolve));
  }

  /** Where signals go; the paused tasks are read at once for a new listener. */
  watch(listener: ClusterListener | null): void {
    if (listener === null) {
      for (const resolve of this.unwatchers.splice(0)) resolve();
    }
    this.listener = listener;
    this.paused = new Map();
    if (listener !== null) this.refresh();
  }

  /** Asks the replica running `task` to abort its run. */
  requestCancel(task: string): void {
    this.io.publish(encodeSignal('cancel', task)).catch(() => undefined);
  }

  /** Tells the others that this replica's run of `task` ended. */
  runEnded(task: string): void {
    this.io.publish(encodeSignal('ended', task)).catch(() => undefined);
  }

  /** Stores the task's pause and tells every replica. */
  pause(task: string, reason: string): void {
    this.version++;
    this.paused.set(task, reason);
    this.save(task, reason);
  }

  /** Clears the task's pause everywhere. */
  resume(task: string): void {
    this.version++;
    this.paused.delete(task);
    this.save(task, null);
  }

  // A pause or resume the backend has not taken yet (an outage) holds here
  // over what reads say, and is stored again at each refresh until it is.
  private save(task: string, reason: string | null): void {
    this.unsaved.set(task, reason);
    this.store(task, reason).then(
      () => {
        if (this.unsaved.get(task) === reason) this.unsaved.delete(task);
      },
      () => undefined,
    );
  }

  /**
   * Clears a forgotten task's pause everywhere, as `resume` does, once the
   * pauses and resumes already made are stored; rejects when it fails.
   */
  async clear(task: string): Promise<void> {
    await this.storing.settled();
    this.version++;
    this.paused.delete(task);
    this.unsaved.delete(task);
    await this.store(task, null);
  }

  // One write at a time, in the order made: on a pool of connections a
  // resume sent while its pause is in flight could commit first, leaving the
  // task paused. A read that overlaps the write may miss it: bumping the
  // version again when the write is done makes such a read stale too.
  private store(task: string, reason: string | null): Promise<unknown> {
    const stored = this.lastWrite
      .then(() => this.io.storePause(task, reason, encodeSignal('pause', task)))
      .finally(() => this.version++);
    this.lastWrite = stored.catch(() => undefined);
    this.storing.track(stored);
    return stored;
  }

  /**
   * A payload from the membership channel.
   * @returns false when it is no signal (a membership change)
   */
  received(payload: string): boolean {
    const signal = decodeSignal(payload);
    if (signal === null) return false;
    // The coordinator's own business, whether a scheduler listens or not.
    if (signal.kind === 'revoke' || signal.kind === 'unfenced') {
      this.fences?.(signal.kind, signal.task);
      return true;
    }
    const listener = this.listener;
    if (listener === null) return true;
    if (signal.kind === 'cancel') listener.cancelRequested(signal.task);
    else if (signal.kind === 'ended') listener.runEndedElsewhere(signal.task);
    else this.refresh();
    return true;
  }

  /** Reads the paused tasks and tells the scheduler what changed (one read at a time). */
  refresh(): void {
    if (this.listener === null || this.reading !== null) return;
    for (const [task, reason] of this.unsaved) this.save(task, reason);
    const version = this.version;
    this.reading = this.io
      .readPaused()
      .then(
        (entries) => {
          // A pause or resume made here meanwhile is newer than this read.
          if (version !== this.version) return;
          const now = new Map(entries);
          for (const [task, reason] of this.unsaved)
            if (reason === null) now.delete(task);
            else now.set(task, reason);
          this.apply(now);
        },
        () => undefined,
      )
      .finally(() => {
        this.reading = null;
      });
  }

  private apply(now: Map<string, string>): void {
    const before = this.paused;
    this.paused = now;
    const listener = this.listener;
    if (listener === null) return;
    for (const [task, reason] of now)
      if (before.get(task) !== reason) listener.pauseChanged(task, reason);
    for (const task of before.keys())
      if (!now.has(task)) listener.pauseChanged(task, null);
  }
}
