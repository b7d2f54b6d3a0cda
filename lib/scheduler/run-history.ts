import type { RunOutcome, RunRecord } from '../interfaces/run-record.interface';

/** How many records each task keeps in memory. */
export const HISTORY_KEEP = 100;
/** A task's first records go to a small ring; past that it moves to a full one. */
const SMALL_RING = 8;
/** Rings per slab: one allocation serves this many tasks. */
const SMALL_RINGS_PER_SLAB = 2_048;
export const FULL_RINGS_PER_SLAB = 256;
/** Full rings made ahead only when this many more will be needed soon (two slabs). */
const GROW_AHEAD_MIN = 2 * FULL_RINGS_PER_SLAB;
/**
 * Slabs made ahead between two dispatch passes, at most (~64 MB). V8 answers
 * every ~64 MB of new `ArrayBuffer` memory with a collection; one per gap
 * ends long before the next due time, five in a row did not always.
 */
export const GROW_PER_GAP = 80;
/** Slabs are made ahead freely only while the next due time is at least this far… */
export const GROW_QUIET_MS = 400;
/** …and nearer, at most this many between two passes (a task due every 100 ms must not stop them). */
export const GROW_PER_SHORT_GAP = 4;
/** Room for a pass's kept records at first (`RunHistory.laterTasks`). */
const LATER_START = 256;

/**
 * An empty array whose elements are already of the kind that holds objects
 * (`[]` starts as small integers and changes kind on its first push).
 */
function emptyObjectArray<T extends object>(): T[] {
  const array: (T | null)[] = [null];
  array.length = 0;
  return array as T[];
}

/** Attempts are kept up to this; a larger try number reads as it. */
const MAX_ATTEMPT = 0xffff;
const CATCH_UP_BIT = 0x80;

const OUTCOMES: readonly RunOutcome[] = [
  'succeeded',
  'failed',
  'timedOut',
  'cancelled',
  'skipped',
  'missed',
];
const OUTCOME_CODE: Readonly<Record<RunOutcome, number>> = {
  succeeded: 0,
  failed: 1,
  timedOut: 2,
  cancelled: 3,
  skipped: 4,
  missed: 5,
};

/**
 * Rings of one capacity in Float64Arrays shared by `perSlab` tasks. A slab
 * holds its rings' headers first (next position + size × 256, one number a
 * ring), then their records position by position: record k of every ring,
 * then record k + 1… A record is 4 numbers: scheduledAt, startedAt,
 * finishedAt, and the outcome code + CATCH_UP_BIT + attempt × 256. Tasks
 * started together write the same position together, so a pass's records go
 * to a few sequential streams instead of two scattered cache lines each.
 */
class RingTier {
  /** Born holding objects, as `RunHistory.laterTasks` is, for the same reason. */
  private readonly slabs: Float64Array[] = emptyObjectArray();
  private used = 0;
  private readonly free: number[] = [];
  /** Numbers per slab. */
  private readonly slabSize: number;

  constructor(
    readonly capacity: number,
    private readonly perSlab: number,
  ) {
    this.slabSize = perSlab * (1 + capacity * 4);
  }

  allocate(): number {
    const ring = this.free.pop() ?? this.used++;
    if (ring === this.slabs.length * this.perSlab)
      this.slabs.push(new Float64Array(this.slabSize));
    // Also a fresh slab's first write to this ring's page: the page fault
    // (~1 µs) happens here, where `prepare` can take it ahead of a due time.
    this.slabOf(ring)[this.header(ring)] = 0;
    return ring;
  }

  release(ring: number): void {
    this.free.push(ring);
  }

  /** Rings `allocate` hands out without allocating a slab. */
  spare(): number {
    return this.free.length + this.slabs.length * this.perSlab - this.used;
  }

  /**
   * One more slab now, its pages touched: a slab of full rings is 0.8 MB,
   * and on this kind of VM its page faults cost ~1.3 ms.
   */
  grow(): void {
    const slab = new Float64Array(this.slabSize);
    for (let i = 0; i < slab.length; i += 512) slab[i] = 0;
    this.slabs.push(slab);
  }

  slabOf(ring: number): Float64Array {
    return this.slabs[(ring / this.perSlab) | 0];
  }

  /** Where the ring's header is in its slab. */
  header(ring: number): number {
    return ring % this.perSlab;
  }

  /** Where the ring's record at `position` starts in its slab. */
  record(ring: number, position: number): number {
    const perSlab = this.perSlab;
    return perSlab + (position * perSlab + (ring % perSlab)) * 4;
  }
}

/** The part of a task the history keeps its ring reference on. */
export interface HistoryOwner {
  readonly name: string;
  /** Ring index × 2 (+ 1 in the full tier); -1 before the first record. */
  historyRing: number;
}

/**
 * The last `HISTORY_KEEP` runs (and skipped due times) of each task, in this
 * process: what `registry.getHistory` reads without a durable coordinator
 * (with one, the coordinator's store is read instead).
 *
 * Kept in typed arrays shared by many tasks, not an object per record:
 * every run adds a record, and 100 000 tasks' records as objects cost a GC
 * pause in each due time (they all survive) and ~7 KB per task once full.
 * Here a record is 32 bytes plus its error text, a task's first 8 records
 * sit in a small ring and move to a full one on the 9th, the ring is found
 * from the task itself, and nothing is allocated per run (beyond a slab per
 * 2 048 or 256 tasks).
 */
export class RunHistory {
  /** Task name → its owner, for reads by name; `null` when `ownerOf` finds them. */
  private readonly owners: Map<string, HistoryOwner> | null;
  private readonly ownerOf: (task: string) => HistoryOwner | undefined;
  /** Error texts by position, only for tasks that recorded one. */
  private readonly errors = new Map<string, (string | undefined)[]>();
  private readonly small = new RingTier(SMALL_RING, SMALL_RINGS_PER_SLAB);
  private readonly full = new RingTier(HISTORY_KEEP, FULL_RINGS_PER_SLAB);
  /** Inside a dispatch pass: `addLater` keeps records for `endPass`. */
  private deferring = false;
  /**
   * The records kept: task, due time, start (= end) time; `laterCount` of
   * them. The task list is born holding objects (`null`s): an empty `[]`
   * holds small integers, and the optimised code the warm-up leaves behind
   * expects objects, so the first real pass would throw it away on its first
   * store. Its small start size makes the warm-up's 1 000 tasks grow it too;
   * `prepare` then sizes it for every task, so a real pass never grows it.
   */
  private readonly laterTasks: (HistoryOwner | null)[] = new Array<null>(
    LATER_START,
  ).fill(null);
  private laterDue: Float64Array = new Float64Array(LATER_START);
  private laterAt: Float64Array = new Float64Array(LATER_START);
  private laterCount = 0;
  /** Tasks `prepare` saw: the size a pass's kept records can reach. */
  private prepared = 0;
  /**
   * Small rings half full or more: the full rings they will need soon.
   * Tasks started together fill their small rings together, so 100 000 of
   * them would all move on the same due time, allocating ~320 MB of slabs
   * there (a 1.1–1.4 s stall after that pass's runs). `endPass` has those
   * slabs made ahead, one per deferred call, while the scheduler is idle,
   * at most `GROW_PER_GAP` between two passes.
   */
  private promotionsAhead = 0;
  private growing: unknown = null;
  /** Slabs made ahead since the last pass (`GROW_PER_GAP`). */
  private grownThisGap = 0;

  /**
   * @param replica this replica's id, written into every record
   * @param ownerOf finds a task by name for `list` (the scheduler's own map).
   *   Without it the history keeps an index of its own, one `Map.set` per
   *   task on its first record: 100 000 tasks paid ~70 ms for it in their
   *   first due time.
   */
  constructor(
    private readonly replica: string,
    ownerOf?: (task: string) => HistoryOwner | undefined,
    /**
     * Calls `callback` soon, when idle (the scheduler's `Clock.defer`);
     * returns a handle for `cancel`, or `null` when it will not (stopped).
     */
    private readonly defer: ((callback: () => void) => unknown) | null = null,
    private readonly cancel: ((handle: unknown) => void) | null = null,
    /** Milliseconds to the next due time (`Infinity`: none). */
    private readonly quietFor: () => number = () => Infinity,
  ) {
    if (ownerOf !== undefined) {
      this.owners = null;
      this.ownerOf = ownerOf;
    } else {
      const owners = new Map<string, HistoryOwner>();
      this.owners = owners;
      this.ownerOf = (task) => owners.get(task);
    }
  }

  /** Records one entry (`NaN` start/finish: it did not run; `attempt` 1-based). */
  add(
    task: HistoryOwner,
    scheduledAt: number,
    startedAt: number,
    finishedAt: number,
    outcome: RunOutcome,
    error: string | undefined,
    attempt = 1,
    catchUp = false,
  ): void {
    if (this.laterCount > 0) this.flush();
    this.write(
      task,
      scheduledAt,
      startedAt,
      finishedAt,
      outcome,
      error,
      attempt,
      catchUp,
    );
  }

  /**
   * A dispatch pass starts: until `endPass`, `addLater` keeps its records in
   * a list instead of writing them into the rings, so that no run of the pass
   * waits for the records of those before it (with 100 000 tasks, ~0.2 µs of
   * cache misses each).
   */
  beginPass(): void {
    this.deferring = true;
  }

  /** The pass's runs have all started: their records are written. */
  endPass(): void {
    this.deferring = false;
    this.flush();
    this.grownThisGap = 0;
    if (
      this.growing === null &&
      this.promotionsAhead - this.full.spare() >= GROW_AHEAD_MIN
    )
      this.growing = this.defer?.(this.growAhead) ?? null;
  }

  /** Full rings that a task's move to one would take without allocating (for tests). */
  get fullRingsReady(): number {
    return this.full.spare();
  }

  /** The scheduler stops: no more slabs made ahead. */
  stopGrowing(): void {
    if (this.growing !== null) this.cancel?.(this.growing);
    this.growing = null;
  }

  // One slab per call, so a due time never waits behind more than one; the
  // rest waits for the next pass's end when this gap's share is made or the
  // next due time is near (a promotion without a spare ring makes its own).
  private readonly growAhead = (): void => {
    this.growing = null;
    const share =
      this.quietFor() < GROW_QUIET_MS ? GROW_PER_SHORT_GAP : GROW_PER_GAP;
    if (this.grownThisGap >= share) return;
    this.full.grow();
    this.grownThisGap++;
    if (this.promotionsAhead > this.full.spare())
      this.growing = this.defer?.(this.growAhead) ?? null;
  };

  /**
   * Records a first try that succeeded at once (started and ended at `at`);
   * during a pass, kept until its end. Any other `add`, `list` and `forget`
   * write the kept records first, so readers and order never see the delay.
   */
  addLater(task: HistoryOwner, due: number, at: number): void {
    if (!this.deferring) {
      this.add(task, due, at, at, 'succeeded', undefined);
      return;
    }
    const n = this.laterCount;
    if (n === this.laterDue.length) this.growLater(n * 2);
    this.laterTasks[n] = task;
    this.laterDue[n] = due;
    this.laterAt[n] = at;
    this.laterCount = n + 1;
  }

  /** Room for `size` kept records (only ever grows). */
  private growLater(size: number): void {
    if (size <= this.laterDue.length) return;
    const due = new Float64Array(size);
    const at = new Float64Array(size);
    due.set(this.laterDue);
    at.set(this.laterAt);
    this.laterDue = due;
    this.laterAt = at;
    const tasks = this.laterTasks;
    for (let i = tasks.length; i < size; i++) tasks.push(null);
  }

  /** Writes the records `addLater` kept, in the order they came. */
  private flush(): void {
    const n = this.laterCount;
    if (n === 0) return;
    this.laterCount = 0;
    const tasks = this.laterTasks;
    for (let i = 0; i < n; i++) {
      const at = this.laterAt[i];
      this.write(
        tasks[i]!,
        this.laterDue[i],
        at,
        at,
        'succeeded',
        undefined,
        1,
        false,
      );
      // No reference kept to a task that may be removed.
      tasks[i] = null;
    }
  }

  private write(
    task: HistoryOwner,
    scheduledAt: number,
    startedAt: number,
    finishedAt: number,
    outcome: RunOutcome,
    error: string | undefined,
    attempt: number,
    catchUp: boolean,
  ): void {
    let ref = task.historyRing;
    if (ref < 0) ref = this.open(task);
    else if ((ref & 1) === 0) {
      const ring = ref >>> 1;
      if (this.small.slabOf(ring)[this.small.header(ring)] >> 8 === SMALL_RING)
        ref = this.promote(task, ring);
    }
    const tier = (ref & 1) === 1 ? this.full : this.small;
    const ring = ref >>> 1;
    const slab = tier.slabOf(ring);
    const head = tier.header(ring);
    const capacity = tier.capacity;
    // Integer ops: a double's % would be a float modulo on the hot path.
    const header = slab[head] | 0;
    const position = header & 0xff;
    const size = header >> 8;
    const at = tier.record(ring, position);
    slab[at] = scheduledAt;
    slab[at + 1] = startedAt;
    slab[at + 2] = finishedAt;
    slab[at + 3] =
      OUTCOME_CODE[outcome] +
      (catchUp ? CATCH_UP_BIT : 0) +
      (attempt < MAX_ATTEMPT ? attempt : MAX_ATTEMPT) * 256;
    slab[head] =
      (position + 1 === capacity ? 0 : position + 1) |
      ((size < capacity ? size + 1 : size) << 8);
    if (size + 1 === SMALL_RING / 2 && (ref & 1) === 0) this.promotionsAhead++;
    if (error !== undefined) {
      let texts = this.errors.get(task.name);
      if (texts === undefined) this.errors.set(task.name, (texts = []));
      texts[position] = error;
    } else if (this.errors.size > 0) {
      const texts = this.errors.get(task.name);
      if (texts !== undefined) texts[position] = undefined;
    }
  }

  /** Newest first, at most `limit`. */
  list(task: string, limit: number): RunRecord[] {
    this.flush();
    const ref = this.ownerOf(task)?.historyRing ?? -1;
    if (ref < 0) return [];
    const tier = (ref & 1) === 1 ? this.full : this.small;
    const ring = ref >>> 1;
    const slab = tier.slabOf(ring);
    const head = tier.header(ring);
    const capacity = tier.capacity;
    const next = slab[head] & 0xff;
    const size = slab[head] >> 8;
    const texts = this.errors.get(task);
    const records: RunRecord[] = [];
    for (let i = 1; i <= size && records.length < limit; i++) {
      const position = (next - i + capacity * 2) % capacity;
      const at = tier.record(ring, position);
      const started = slab[at + 1];
      const finished = slab[at + 2];
      const code = slab[at + 3] & 0xff;
      const record: RunRecord = {
        task,
        scheduledAt: new Date(slab[at]),
        startedAt: Number.isNaN(started) ? null : new Date(started),
        finishedAt: Number.isNaN(finished) ? null : new Date(finished),
        outcome: OUTCOMES[code & ~CATCH_UP_BIT],
        replica: this.replica,
        attempt: slab[at + 3] >> 8,
        catchUp: (code & CATCH_UP_BIT) !== 0,
      };
      const error = texts?.[position];
      if (error !== undefined) record.error = error;
      records.push(record);
    }
    return records;
  }

  /** Drops a task's records (a task removed at run time). */
  forget(task: HistoryOwner): void {
    this.flush();
    const ref = task.historyRing;
    if (ref >= 0 && (ref & 1) === 0) {
      const ring = ref >>> 1;
      const size = this.small.slabOf(ring)[this.small.header(ring)] >> 8;
      if (size >= SMALL_RING / 2) this.promotionsAhead--;
    }
    if (ref >= 0) ((ref & 1) === 1 ? this.full : this.small).release(ref >>> 1);
    task.historyRing = -1;
    if (this.owners?.get(task.name) === task) this.owners.delete(task.name);
    this.errors.delete(task.name);
  }

  /**
   * Opens the task's ring now if it has none, so its first record costs no
   * allocation (the warm-up does this before the first due time).
   */
  prepare(task: HistoryOwner): void {
    if (task.historyRing < 0) this.open(task);
    if (++this.prepared > this.laterDue.length)
      this.growLater(this.laterDue.length * 2);
  }

  private open(task: HistoryOwner): number {
    task.historyRing = this.small.allocate() * 2;
    this.owners?.set(task.name, task);
    return task.historyRing;
  }

  // The small ring is full and has never wrapped: its records move, in
  // order, to the start of a full ring.
  private promote(task: HistoryOwner, smallRing: number): number {
    const from = this.small.slabOf(smallRing);
    const ring = this.full.allocate();
    const to = this.full.slabOf(ring);
    for (let position = 0; position < SMALL_RING; position++) {
      const src = this.small.record(smallRing, position);
      const dst = this.full.record(ring, position);
      for (let i = 0; i < 4; i++) to[dst + i] = from[src + i];
    }
    to[this.full.header(ring)] = SMALL_RING | (SMALL_RING << 8);
    this.small.release(smallRing);
    this.promotionsAhead--;
    task.historyRing = ring * 2 + 1;
    return task.historyRing;
  }
}
