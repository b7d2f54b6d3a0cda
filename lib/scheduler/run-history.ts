import type { RunOutcome, RunRecord } from '../interfaces/run-record.interface';

/** How many records each task keeps in memory. */
export const HISTORY_KEEP = 100;

/** One record as kept: numbers, not Dates (made when read). */
interface Entry {
  scheduledAt: number;
  startedAt: number;
  finishedAt: number;
  outcome: RunOutcome;
  error: string | undefined;
  attempt: number;
  catchUp: boolean;
}

/**
 * The last `HISTORY_KEEP` runs (and skipped due times) of each task, in this
 * process: a ring per task. What `registry.getHistory` reads without a
 * durable coordinator (with one, the coordinator's store is read instead).
 */
export class RunHistory {
  private readonly rings = new Map<
    string,
    { entries: Entry[]; next: number }
  >();

  /** @param replica this replica's id, written into every record */
  constructor(private readonly replica: string) {}

  /** Records one entry (`NaN` start/finish: it did not run). */
  add(
    task: string,
    scheduledAt: number,
    startedAt: number,
    finishedAt: number,
    outcome: RunOutcome,
    error: string | undefined,
    attempt: number,
    catchUp: boolean,
  ): void {
    let ring = this.rings.get(task);
    if (ring === undefined) {
      ring = { entries: [], next: 0 };
      this.rings.set(task, ring);
    }
    const entry = {
      scheduledAt,
      startedAt,
      finishedAt,
      outcome,
      error,
      attempt,
      catchUp,
    };
    if (ring.entries.length < HISTORY_KEEP) ring.entries.push(entry);
    else ring.entries[ring.next] = entry;
    ring.next = (ring.next + 1) % HISTORY_KEEP;
  }

  /** Newest first, at most `limit`. */
  list(task: string, limit: number): RunRecord[] {
    const ring = this.rings.get(task);
    if (ring === undefined) return [];
    const { entries } = ring;
    const records: RunRecord[] = [];
    for (let i = 1; i <= entries.length && records.length < limit; i++) {
      const entry =
        entries[(ring.next - i + entries.length * 2) % entries.length];
      records.push(this.toRecord(task, entry));
    }
    return records;
  }

  private toRecord(task: string, entry: Entry): RunRecord {
    const record: RunRecord = {
      task,
      scheduledAt: new Date(entry.scheduledAt),
      startedAt: Number.isNaN(entry.startedAt)
        ? null
        : new Date(entry.startedAt),
      finishedAt: Number.isNaN(entry.finishedAt)
        ? null
        : new Date(entry.finishedAt),
      outcome: entry.outcome,
      replica: this.replica,
      attempt: entry.attempt,
      catchUp: entry.catchUp,
    };
    if (entry.error !== undefined) record.error = entry.error;
    return record;
  }
}
