import { scheduleContentKey } from './schedule-content';
import type {
  ScheduleInput,
  ScheduleStore,
  StoredSchedule,
} from './schedule-store.interface';

/** One stored schedule and the content key `upsert` compares. */
interface MemoryEntry {
  schedule: StoredSchedule;
  contentKey: string;
}

/**
 * The schedule store of a process without a durable coordinator: schedules
 * live as long as the process. It copies every schedule in and out through
 * JSON, so callers see what a durable store would give them (no shared
 * objects, no `undefined`, no class instances).
 */
export class MemoryScheduleStore implements ScheduleStore {
  private readonly entries = new Map<string, MemoryEntry>();
  /** Every id, sorted, for `list` pages without sorting the whole store. */
  private readonly ids: string[] = [];
  private readonly listeners = new Set<(id: string) => void>();

  /**
   * @param now the store's clock for `updatedAt` (epoch ms)
   * @default Date.now
   */
  constructor(private readonly now: () => number = Date.now) {}

  upsert(
    input: ScheduleInput,
  ): Promise<{ schedule: StoredSchedule; changed: boolean }> {
    const contentKey = scheduleContentKey(input);
    const existing = this.entries.get(input.id);
    if (existing && existing.contentKey === contentKey) {
      return Promise.resolve({
        schedule: copy(existing.schedule),
        changed: false,
      });
    }
    const schedule: StoredSchedule = copy({
      id: input.id,
      handler: input.handler,
      trigger: input.trigger,
      payload: input.payload === undefined ? null : input.payload,
      options: input.options,
      startAt: input.startAt,
      endAt: input.endAt,
      enabled: input.enabled,
      paused: existing ? existing.schedule.paused : false,
      revision: existing ? existing.schedule.revision + 1 : 1,
      updatedAt: this.now(),
    });
    if (!existing) this.ids.splice(this.indexAfter(input.id), 0, input.id);
    this.entries.set(input.id, { schedule, contentKey });
    this.notify(input.id);
    return Promise.resolve({ schedule: copy(schedule), changed: true });
  }

  remove(id: string): Promise<boolean> {
    if (!this.entries.delete(id)) return Promise.resolve(false);
    this.ids.splice(this.indexAfter(id) - 1, 1);
    this.notify(id);
    return Promise.resolve(true);
  }

  get(id: string): Promise<StoredSchedule | null> {
    const entry = this.entries.get(id);
    return Promise.resolve(entry ? copy(entry.schedule) : null);
  }

  list(query: {
    handler?: string;
    cursor?: string | null;
    limit: number;
  }): Promise<{ items: StoredSchedule[]; cursor: string | null }> {
    const items: StoredSchedule[] = [];
    const start = query.cursor == null ? 0 : this.indexAfter(query.cursor);
    for (let i = start; i < this.ids.length; i++) {
      const schedule = this.entries.get(this.ids[i])!.schedule;
      if (query.handler !== undefined && schedule.handler !== query.handler) {
        continue;
      }
      if (items.length === query.limit) {
        // One more matches: the page is not the last.
        return Promise.resolve({ items, cursor: items[items.length - 1].id });
      }
      items.push(copy(schedule));
    }
    return Promise.resolve({ items, cursor: null });
  }

  setPaused(id: string, paused: boolean): Promise<StoredSchedule | null> {
    const entry = this.entries.get(id);
    if (!entry) return Promise.resolve(null);
    if (entry.schedule.paused !== paused) {
      entry.schedule = {
        ...entry.schedule,
        paused,
        revision: entry.schedule.revision + 1,
        updatedAt: this.now(),
      };
      this.notify(id);
    }
    return Promise.resolve(copy(entry.schedule));
  }

  loadAll(handlers: readonly string[]): Promise<StoredSchedule[]> {
    const wanted = new Set(handlers);
    const found: StoredSchedule[] = [];
    for (const id of this.ids) {
      const schedule = this.entries.get(id)!.schedule;
      if (wanted.has(schedule.handler)) found.push(copy(schedule));
    }
    return Promise.resolve(found);
  }

  watch(listener: (id: string) => void): () => void {
    // A wrapper per call, so the same function watched twice is called twice.
    const entry = (id: string) => listener(id);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Tells the watchers after the caller's change returned, as a backend's message would arrive. */
  private notify(id: string): void {
    if (this.listeners.size === 0) return;
    const listeners = [...this.listeners];
    queueMicrotask(() => {
      for (const listener of listeners) {
        try {
          listener(id);
        } catch {
          // A watcher's failure is its own; the others still hear of the change.
        }
      }
    });
  }

  /** The index of the first id greater than `id` in the sorted list. */
  private indexAfter(id: string): number {
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.ids[mid] <= id) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
