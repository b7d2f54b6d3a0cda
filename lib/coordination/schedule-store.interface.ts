import type { TriggerSpec } from '../interfaces/trigger-spec.interface';

/** A durable schedule as stored: JSON only. */
export interface StoredSchedule {
  /** 1–200 characters, no control characters. */
  id: string;
  /** The `@ScheduleHandler` name that runs it. */
  handler: string;
  /** An `every`, `at`, `cron` or `or` trigger. */
  trigger: TriggerSpec;
  /** JSON, at most 64 KiB serialised. */
  payload: unknown;
  /** The `TaskOptions` given (JSON-able: timeouts, overlap, retry, jitter, catchUp…). */
  options: Record<string, unknown>;
  /** ISO instant; due times before it do not exist. */
  startAt: string | null;
  /** ISO instant; due times after it do not exist. */
  endAt: string | null;
  enabled: boolean;
  paused: boolean;
  /** Bumped by the store on every change that alters the schedule; equal content → unchanged. */
  revision: number;
  /** Epoch ms of the last change (the store's clock). */
  updatedAt: number;
}

/** What `ScheduleStore.upsert` takes: the store keeps `paused` and sets the rest. */
export type ScheduleInput = Omit<
  StoredSchedule,
  'revision' | 'updatedAt' | 'paused'
>;

/**
 * Where durable schedules live: in memory (`MemoryScheduleStore`) or in a
 * durable coordinator's backend, which every replica shares.
 */
export interface ScheduleStore {
  /** Atomic and idempotent: same content twice → one row, revision unchanged the second time; `paused` kept. */
  upsert(
    input: ScheduleInput,
  ): Promise<{ schedule: StoredSchedule; changed: boolean }>;
  /** Resolves `true` when the schedule existed. */
  remove(id: string): Promise<boolean>;
  get(id: string): Promise<StoredSchedule | null>;
  /** Ordered by id; `cursor` is opaque (the last id returned), null at the end. */
  list(query: {
    handler?: string;
    cursor?: string | null;
    limit: number;
  }): Promise<{ items: StoredSchedule[]; cursor: string | null }>;
  /** Resolves null when no such schedule exists. */
  setPaused(id: string, paused: boolean): Promise<StoredSchedule | null>;
  /** Every schedule of these handlers (a replica loads what it may own), in pages internally. */
  loadAll(handlers: readonly string[]): Promise<StoredSchedule[]>;
  /**
   * Calls `listener(id)` when a schedule changes or is removed on any replica
   * (pub/sub, LISTEN, or local). Returns an unsubscribe. After a gap longer
   * than the store's change log, `onGap` is called instead, when given (the
   * watcher reloads what it holds: a removal in the gap names no stored id);
   * without it, every stored id is told.
   */
  watch(listener: (id: string) => void, onGap?: () => void): () => void;
}
