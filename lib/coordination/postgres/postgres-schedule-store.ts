import { SCHEDULE_TASK_PREFIX } from '../../aioclock.constants';
import { randomBytes } from 'node:crypto';
import type { AioClockError } from '../../errors/aioclock.error';
import { canonicalJson } from '../schedule-content';
import type {
  ScheduleInput,
  ScheduleStore,
  StoredSchedule,
} from '../schedule-store.interface';
import {
  parseScheduleChange,
  ScheduleWatchers,
  type ScheduleChange,
  type ScheduleWatchBase,
} from '../schedule-watchers';
import type {
  PostgresCoordinatorPool,
  PostgresListenClient,
} from './postgres-client.interface';
import {
  getScheduleSql,
  lastScheduleChangeSql,
  pauseScheduleSql,
  removeScheduleSql,
  schedulePageSql,
  scheduleChangesSql,
  scheduleWatchBaseSql,
  upsertScheduleSql,
} from './postgres-schedule-statements';
import { watchBases } from '../watch-bases';

/** Schedules read per statement by `loadAll`. */
export const PG_SCHEDULE_PAGE = 1_000;
/** How long a lost `LISTEN` connection waits before it is opened again, in ms. */
export const PG_SCHEDULE_RELISTEN_MS = 1_000;
/**
 * How far before the last heard change a replay starts: sequence numbers
 * are taken before commit, so a lower one may commit (and notify) later.
 */
const REPLAY_BACKFILL = 100;

/** What `PostgresScheduleStore` needs from its coordinator. */
export interface PostgresScheduleStoreOptions {
  pool: PostgresCoordinatorPool;
  schema: string;
  /** The coordinator's bounded statement (claimTimeoutMs), after its tables exist. */
  query: (
    text: string,
    values: unknown[],
  ) => Promise<Record<string, unknown>[]>;
  /** Words a failure as the coordinator's (`PostgreSQL coordinator could not …`). */
  fail: (what: string, error: unknown) => AioClockError;
  /** How often a watching replica checks the change log for a lost notice, in ms (0: never). @default 0 */
  resyncMs?: number;
}

/**
 * Durable schedules in PostgreSQL, shared by every replica: one row per
 * schedule in `<schema>.schedules` (JSON columns holding canonical JSON, so
 * "changed" is a text comparison), paged by id (keyset, `COLLATE "C"`: the
 * byte order Redis uses too). An upsert is one `INSERT … ON CONFLICT (id) DO
 * UPDATE … WHERE content differs RETURNING`: concurrent upserts of one id
 * leave one row and one revision. Each change is logged in
 * `schedule_changes` and announced by `pg_notify`; `watch` LISTENs on a
 * dedicated connection (a `pg` Pool's client, or PGlite's `listen`) and
 * replays the log after a reconnect.
 */
export class PostgresScheduleStore implements ScheduleStore {
  /** The NOTIFY channel: "<seq>:<token>:<id>" per change. */
  readonly channel: string;
  private readonly token = randomBytes(8).toString('hex');
  private readonly watchers: ScheduleWatchers;

  constructor(private readonly options: PostgresScheduleStoreOptions) {
    this.channel = `${options.schema}_schedules_changed`;
    this.watchers = new ScheduleWatchers(
      this.token,
      {
        lastSeq: () => this.lastSeq(),
        // Statements of this process on the channel wait for it (see WatchBases).
        firstSeq: (backfill) =>
          watchBases.track(this.channel, () => this.watchBase(backfill)),
        changesSince: (seq) => this.changesSince(seq),
        allIds: () => this.allIds(),
        subscribe: (onChange, onLive) => this.listen(onChange, onLive),
      },
      REPLAY_BACKFILL,
      options.resyncMs,
    );
  }

  /**
   * Inserts the schedule or, when its content differs, replaces it and bumps
   * its revision; `paused` is kept.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async upsert(
    input: ScheduleInput,
  ): Promise<{ schedule: StoredSchedule; changed: boolean }> {
    const values = [
      input.id,
      input.handler,
      canonicalJson(input.trigger),
      canonicalJson(input.payload === undefined ? null : input.payload),
      canonicalJson(input.options),
      input.startAt,
      input.endAt,
      input.enabled,
      this.token,
      this.channel,
    ];
    const what = `upsert schedule ${input.id}`;
    // No row: an equal insert of the same id committed after this statement
    // began; the next one sees it.
    for (let attempt = 1; ; attempt++) {
      const [row] = await this.run(what, upsertScheduleSql, values);
      if (row === undefined && attempt < 10) continue;
      if (row === undefined) throw this.options.fail(what, 'no row returned');
      const changed = row.changed === true;
      if (changed) this.watchers.notify(input.id);
      return { schedule: rowToSchedule(row), changed };
    }
  }

  /**
   * Removes the schedule; resolves `true` when it existed.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async remove(id: string): Promise<boolean> {
    // Its task's state and history go with it (names come and go).
    const [row] = await this.run(`remove schedule ${id}`, removeScheduleSql, [
      id,
      this.token,
      this.channel,
      SCHEDULE_TASK_PREFIX + id,
    ]);
    const removed = Number(row.removed) > 0;
    if (removed) this.watchers.notify(id);
    return removed;
  }

  /**
   * The schedule, or null when there is none.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async get(id: string): Promise<StoredSchedule | null> {
    const [row] = await this.run(`read schedule ${id}`, getScheduleSql, [id]);
    return row === undefined ? null : rowToSchedule(row);
  }

  /**
   * One page in id order, of every schedule or of one handler's.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async list(query: {
    handler?: string;
    cursor?: string | null;
    limit: number;
  }): Promise<{ items: StoredSchedule[]; cursor: string | null }> {
    const limit = Math.max(1, Math.floor(query.limit));
    // One more than asked tells whether a next page exists.
    const items = await this.page(
      query.handler,
      query.cursor ?? null,
      limit + 1,
    );
    if (items.length <= limit) return { items, cursor: null };
    items.length = limit;
    return { items, cursor: items[limit - 1].id };
  }

  /**
   * Pauses or resumes the schedule (bumping its revision when that changes
   * it); null when there is none.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async setPaused(id: string, paused: boolean): Promise<StoredSchedule | null> {
    const [row] = await this.run(
      `${paused ? 'pause' : 'resume'} schedule ${id}`,
      pauseScheduleSql,
      [id, paused, this.token, this.channel],
    );
    if (row === undefined) return this.get(id);
    this.watchers.notify(id);
    return rowToSchedule(row);
  }

  /**
   * Every schedule of these handlers, read in pages of `PG_SCHEDULE_PAGE`.
   * @throws AioClockError (as a rejection) when PostgreSQL fails or gives no answer within `claimTimeoutMs`
   */
  async loadAll(handlers: readonly string[]): Promise<StoredSchedule[]> {
    const all: StoredSchedule[] = [];
    for (const handler of new Set(handlers)) {
      let cursor: string | null = null;
      for (;;) {
        const page = await this.page(handler, cursor, PG_SCHEDULE_PAGE);
        all.push(...page);
        if (page.length < PG_SCHEDULE_PAGE) break;
        cursor = page[page.length - 1].id;
      }
    }
    return all;
  }

  /**
   * Calls `listener(id)` on every change, from this replica (at once) or any
   * other (LISTEN, opened again `PG_SCHEDULE_RELISTEN_MS` after it is lost;
   * what it missed meanwhile is replayed from `schedule_changes`).
   * @returns the unsubscribe; the LISTEN connection closes with the last listener
   */
  watch(listener: (id: string) => void, onGap?: () => void): () => void {
    return this.watchers.add(listener, onGap);
  }

  private async page(
    handler: string | undefined,
    cursor: string | null,
    limit: number,
  ): Promise<StoredSchedule[]> {
    const values: unknown[] = [limit];
    if (handler !== undefined) values.push(handler);
    if (cursor !== null) values.push(cursor);
    const rows = await this.run(
      'list schedules',
      (s) => schedulePageSql(s, handler !== undefined, cursor !== null),
      values,
    );
    return rows.map(rowToSchedule);
  }

  private async changesSince(seq: number): Promise<ScheduleChange[] | null> {
    const rows = await this.run(
      'read the schedule change log',
      scheduleChangesSql,
      [seq],
    );
    if (rows.some((row) => row.gap === true)) return null;
    return rows.map((row) => ({
      seq: Number(row.seq),
      token: String(row.token),
      id: String(row.id),
    }));
  }

  private async allIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await this.page(undefined, cursor, PG_SCHEDULE_PAGE);
      ids.push(...page.map((schedule) => schedule.id));
      if (page.length < PG_SCHEDULE_PAGE) return ids;
      cursor = page[page.length - 1].id;
    }
  }

  private async lastSeq(): Promise<number> {
    const [row] = await this.run(
      'read the schedule change log',
      lastScheduleChangeSql,
      [],
    );
    return Number(row.seq);
  }

  private async watchBase(backfill: number): Promise<ScheduleWatchBase> {
    const [row] = await this.run(
      'read the schedule change log',
      scheduleWatchBaseSql,
      [backfill],
    );
    const logged = row.logged === null ? '' : String(row.logged);
    return {
      seq: Number(row.seq),
      logged: logged === '' ? [] : logged.split(',').map(Number),
    };
  }

  private async run(
    what: string,
    sql: (schema: string) => string,
    values: unknown[],
  ): Promise<Record<string, unknown>[]> {
    // A watch opening in this process reads its base first (see WatchBases).
    const base = watchBases.settled(this.channel);
    if (base !== null) await base;
    try {
      return await this.options.query(sql(this.options.schema), values);
    } catch (error) {
      throw this.options.fail(what, error);
    }
  }

  // LISTEN on a dedicated connection, as the membership does; opened again
  // after it is lost, for as long as someone watches.
  private listen(
    onChange: (change: ScheduleChange) => void,
    onLive: () => void,
  ): (() => void) | null {
    const { pool } = this.options;
    if (typeof pool.connect !== 'function' && typeof pool.listen !== 'function')
      return null;
    let closed = false;
    let release: (() => void) | null = null;
    let retry: NodeJS.Timeout | null = null;
    const onPayload = (payload: string | undefined): void => {
      const change = parseScheduleChange(payload ?? '');
      if (change !== null) onChange(change);
    };
    const again = (): void => {
      release = null;
      if (closed || retry !== null) return;
      retry = setTimeout(() => {
        retry = null;
        void open();
      }, PG_SCHEDULE_RELISTEN_MS);
      retry.unref();
    };
    const open = async (): Promise<void> => {
      try {
        if (typeof pool.connect === 'function') {
          const client: PostgresListenClient = await pool.connect();
          let released = false;
          const drop = (error?: Error): void => {
            if (released) return;
            released = true;
            client.release(error ?? true);
            again();
          };
          client.on('error', (error) => drop(error));
          client.on('end', () => drop());
          client.on('notification', (message) => {
            if (message.channel === this.channel) onPayload(message.payload);
          });
          release = () => drop();
          await client.query(`LISTEN ${this.channel}`);
        } else {
          const unlisten = await pool.listen!(this.channel, onPayload);
          release = () => void unlisten().catch(() => undefined);
        }
        if (closed) release?.();
        else onLive();
      } catch {
        release?.();
        again();
      }
    };
    void open();
    return () => {
      closed = true;
      if (retry !== null) clearTimeout(retry);
      release?.();
    };
  }
}

// The JSON columns are read as text (see the statements), parsed here alike for every driver.
function json(value: unknown): unknown {
  return JSON.parse(String(value));
}

function rowToSchedule(row: Record<string, unknown>): StoredSchedule {
  return {
    id: String(row.id),
    handler: String(row.handler),
    trigger: json(row.trigger) as StoredSchedule['trigger'],
    payload: json(row.payload),
    options: json(row.options) as Record<string, unknown>,
    startAt: (row.start_at as string | null) ?? null,
    endAt: (row.end_at as string | null) ?? null,
    enabled: row.enabled === true,
    paused: row.paused === true,
    revision: Number(row.revision),
    updatedAt: Number(row.updated_at),
  };
}
