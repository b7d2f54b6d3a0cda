import { SCHEDULE_TASK_PREFIX } from '../aioclock.constants';
import { randomBytes } from 'node:crypto';
import type { RedisCoordinatorClient } from './redis-client.interface';
import { redisChannel } from './redis-channels';
import { asFailure, type RedisBoundedCalls } from './redis-bounded-calls';
import type { RedisScript } from './redis-cluster.scripts';
import type { RedisScriptBatch } from './redis-script-batch';
import {
  PAUSE_SCHEDULE_SCRIPT,
  REMOVE_SCHEDULE_SCRIPT,
  SCHEDULE_CHANGES_SCRIPT,
  SCHEDULE_PAGE_SCRIPT,
  UPSERT_SCHEDULE_SCRIPT,
} from './redis-schedule-store.scripts';
import { redisPausedKey } from './redis-signal-io';
import { RedisTaskKeys } from './redis-task-keys';
import { scheduleContentKey } from './schedule-content';
import type {
  ScheduleInput,
  ScheduleStore,
  StoredSchedule,
} from './schedule-store.interface';
import {
  parseScheduleChange,
  ScheduleWatchers,
  type ScheduleChange,
  type ScheduleWatchBase,
} from './schedule-watchers';

/** Schedules read per script call by `list` and `loadAll` (Lua's `unpack` limit is ~8 000). */
export const REDIS_SCHEDULE_PAGE = 1_000;
/** Changes kept in the log a reconnecting watcher replays (`:changes`). */
export const REDIS_SCHEDULE_LOG_LENGTH = 10_000;

/** What `RedisScheduleStore` needs from its coordinator. */
export interface RedisScheduleStoreOptions {
  client: RedisCoordinatorClient;
  /** The coordinator's key prefix: keys are `<keyPrefix>:{schedules}:…`. */
  keyPrefix: string;
  /** Bounded calls (`claimTimeoutMs`), worded as the coordinator's failures. */
  calls: RedisBoundedCalls;
  /** The coordinator's batch: the upserts of one turn go as one pipeline. */
  batch: RedisScriptBatch;
  /** How often a watching replica checks the change log for a lost notice, in ms (0: never). @default 0 */
  resyncMs?: number;
}

/**
 * Durable schedules in Redis, shared by every replica. One field per schedule
 * in one hash (`<prefix>:{schedules}:data`), a sorted set of every id for
 * paging in id order (`:ids`, ZRANGEBYLEX from the cursor) and one per handler
 * (`:handler:<name>`). Upsert, remove and pause are each ONE Lua script, so
 * two replicas writing the same id at once leave one schedule and one
 * revision; each change is published on `:changed` for `watch`. The content
 * is compared as canonical JSON, so an equal upsert changes nothing.
 */
export class RedisScheduleStore implements ScheduleStore {
  /** The hash id → "<revision>:<updatedAt>:<paused>:<content JSON>". */
  readonly dataKey: string;
  /** The sorted set of every id (score 0: ordered by id). */
  readonly idsKey: string;
  /** The pub/sub channel announcing each change as "<seq>:<token>:<id>" (per database: `redis-channels.ts`). */
  readonly channel: string;
  /** The hash holding the last change's sequence number (`seq`). */
  readonly metaKey: string;
  /** The capped list of the last changes, newest first. */
  readonly logKey: string;
  private readonly handlerKeyBase: string;
  // Messages carry this store's token: its own changes were told locally already.
  private readonly token = randomBytes(8).toString('hex');
  private readonly watchers: ScheduleWatchers;

  constructor(private readonly options: RedisScheduleStoreOptions) {
    const base = `${options.keyPrefix}:{schedules}`;
    this.dataKey = `${base}:data`;
    this.idsKey = `${base}:ids`;
    this.handlerKeyBase = `${base}:handler:`;
    this.channel = redisChannel(options.client, `${base}:changed`);
    this.metaKey = `${base}:meta`;
    this.logKey = `${base}:changes`;
    this.watchers = new ScheduleWatchers(
      this.token,
      {
        firstSeq: () => this.watchBase(),
        lastSeq: () => this.lastSeq(),
        changesSince: (seq) => this.changesSince(seq),
        allIds: () => this.allIds(),
        subscribe: (onChange, onLive) => this.subscribe(onChange, onLive),
      },
      0,
      options.resyncMs,
    );
  }

  /**
   * The sorted set of one handler's schedule ids.
   * @param handler the `@ScheduleHandler` name
   */
  handlerKey(handler: string): string {
    return this.handlerKeyBase + handler;
  }

  /**
   * Inserts the schedule or, when its content differs, replaces it and bumps
   * its revision; `paused` is kept.
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  async upsert(
    input: ScheduleInput,
  ): Promise<{ schedule: StoredSchedule; changed: boolean }> {
    const reply = (await this.script(
      `upsert schedule ${input.id}`,
      UPSERT_SCHEDULE_SCRIPT,
      [
        this.dataKey,
        this.idsKey,
        this.handlerKey(input.handler),
        this.metaKey,
        this.logKey,
      ],
      [
        input.id,
        scheduleContentKey(input),
        input.handler,
        this.channel,
        this.token,
        REDIS_SCHEDULE_LOG_LENGTH,
        this.handlerKeyBase,
      ],
    )) as [number, string];
    const changed = Number(reply[0]) === 1;
    if (changed) this.watchers.notify(input.id);
    return { schedule: decodeSchedule(input.id, reply[1]), changed };
  }

  /**
   * A removed schedule's task keeps no state or history (else names
   * that come and go would grow Redis for good). Best effort: a key left
   * behind is only garbage; the schedule is removed either way.
   */
  private async forgetTask(id: string): Promise<void> {
    const keys = new RedisTaskKeys(this.options.keyPrefix);
    const task = SCHEDULE_TASK_PREFIX + id;
    // Its running mark, if any, expires by itself (a run may still be in flight).
    await this.options.client
      .eval(
        "return redis.call('DEL', KEYS[1], KEYS[2])",
        2,
        keys.state(task),
        keys.history(task),
      )
      .catch(() => undefined);
    // A pause by its pauseOnFailure too: a schedule made again with this id
    // starts afresh (its slot differs from the task's keys: a call of its own).
    await this.options.client
      .eval(
        "return redis.call('HDEL', KEYS[1], ARGV[1])",
        1,
        redisPausedKey(this.options.keyPrefix),
        task,
      )
      .catch(() => undefined);
  }

  /**
   * Removes the schedule; resolves `true` when it existed.
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  async remove(id: string): Promise<boolean> {
    const reply = await this.script(
      `remove schedule ${id}`,
      REMOVE_SCHEDULE_SCRIPT,
      [this.dataKey, this.idsKey, this.idsKey, this.metaKey, this.logKey],
      [
        id,
        this.handlerKeyBase,
        '',
        this.channel,
        this.token,
        REDIS_SCHEDULE_LOG_LENGTH,
      ],
    );
    const removed = Number(reply) === 1;
    if (removed) {
      this.watchers.notify(id);
      await this.forgetTask(id);
    }
    return removed;
  }

  /**
   * The schedule, or null when there is none.
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  async get(id: string): Promise<StoredSchedule | null> {
    const { client, calls } = this.options;
    const [value] = await calls.call(
      () => `read schedule ${id}`,
      () => client.hmget(this.dataKey, id),
    );
    return value === null || value === undefined
      ? null
      : decodeSchedule(id, value);
  }

  /**
   * One page in id order, of every schedule or of one handler's.
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  async list(query: {
    handler?: string;
    cursor?: string | null;
    limit: number;
  }): Promise<{ items: StoredSchedule[]; cursor: string | null }> {
    const index =
      query.handler === undefined
        ? this.idsKey
        : this.handlerKey(query.handler);
    const limit = Math.max(1, Math.floor(query.limit));
    const items: StoredSchedule[] = [];
    let cursor = query.cursor ?? '';
    // One more than asked tells whether a next page exists.
    while (items.length <= limit) {
      const wanted = Math.min(REDIS_SCHEDULE_PAGE, limit + 1 - items.length);
      const page = await this.page(index, cursor, wanted);
      items.push(...page.items);
      if (page.last === null || page.read < wanted) break;
      cursor = page.last;
    }
    if (items.length <= limit) return { items, cursor: null };
    items.length = limit;
    return { items, cursor: items[limit - 1].id };
  }

  /**
   * Pauses or resumes the schedule (bumping its revision when that changes
   * it); null when there is none.
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  async setPaused(id: string, paused: boolean): Promise<StoredSchedule | null> {
    const reply = (await this.script(
      `${paused ? 'pause' : 'resume'} schedule ${id}`,
      PAUSE_SCHEDULE_SCRIPT,
      [this.dataKey, this.dataKey, this.dataKey, this.metaKey, this.logKey],
      [
        id,
        paused ? '1' : '0',
        '',
        this.channel,
        this.token,
        REDIS_SCHEDULE_LOG_LENGTH,
      ],
    )) as [number, string] | [];
    if (reply.length === 0) return null;
    if (Number(reply[0]) === 1) this.watchers.notify(id);
    return decodeSchedule(id, reply[1]);
  }

  /**
   * Every schedule of these handlers, read in pages of `REDIS_SCHEDULE_PAGE`.
   * @throws AioClockError (as a rejection) when Redis fails or gives no answer within `claimTimeoutMs`
   */
  async loadAll(handlers: readonly string[]): Promise<StoredSchedule[]> {
    const all: StoredSchedule[] = [];
    for (const handler of new Set(handlers)) {
      let cursor = '';
      for (;;) {
        const page = await this.page(
          this.handlerKey(handler),
          cursor,
          REDIS_SCHEDULE_PAGE,
        );
        all.push(...page.items);
        if (page.last === null || page.read < REDIS_SCHEDULE_PAGE) break;
        cursor = page.last;
      }
    }
    return all;
  }

  /**
   * Calls `listener(id)` on every change, from this replica (at once) or any
   * other (through pub/sub, on a connection `duplicate()`d from the client,
   * subscribed again after each reconnect). What that connection missed
   * meanwhile is replayed from the change log (`REDIS_SCHEDULE_LOG_LENGTH`).
   * @returns the unsubscribe; the connection closes with the last listener
   */
  watch(listener: (id: string) => void, onGap?: () => void): () => void {
    return this.watchers.add(listener, onGap);
  }

  private async lastSeq(): Promise<number> {
    const { client, calls } = this.options;
    const [seq] = await calls.call(
      () => 'read the schedule change log',
      () => client.hmget(this.metaKey, 'seq'),
    );
    return Number(seq ?? 0);
  }

  // The base of a new watch: sent at once, unbounded, so a connection still
  // connecting queues it ahead of this client's later writes instead of
  // timing out (the replay would then start from a later change).
  private async watchBase(): Promise<ScheduleWatchBase> {
    const [seq] = await this.options.client.hmget(this.metaKey, 'seq');
    // Numbered and logged in one script: every number up to it is logged.
    return { seq: Number(seq ?? 0) };
  }

  private async changesSince(seq: number): Promise<ScheduleChange[] | null> {
    const { client, calls } = this.options;
    const reply = await calls.call(
      () => 'read the schedule change log',
      () =>
        SCHEDULE_CHANGES_SCRIPT.run(client, [this.metaKey, this.logKey], [seq]),
    );
    if (!Array.isArray(reply)) return null;
    return (reply as string[])
      .map(parseScheduleChange)
      .filter((change): change is ScheduleChange => change !== null);
  }

  private async allIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await this.page(this.idsKey, cursor, REDIS_SCHEDULE_PAGE);
      ids.push(...page.items.map((schedule) => schedule.id));
      if (page.last === null || page.read < REDIS_SCHEDULE_PAGE) return ids;
      cursor = page.last;
    }
  }

  private subscribe(
    onChange: (change: ScheduleChange) => void,
    onLive: () => void,
  ): (() => void) | null {
    const client = this.options.client;
    if (typeof client.duplicate !== 'function') return null;
    try {
      const subscriber = client.duplicate();
      const live = (): void => {
        subscriber.subscribe(this.channel).then(onLive, () => undefined);
      };
      subscriber.on('error', () => undefined);
      // Every (re)connection, the first included: subscribe, then replay.
      subscriber.on('ready', live);
      subscriber.on('message', (channel, text) => {
        const change =
          channel === this.channel ? parseScheduleChange(text) : null;
        if (change !== null) onChange(change);
      });
      return () => subscriber.disconnect();
    } catch {
      // Without a subscriber, only this replica's changes are told.
      return null;
    }
  }

  private async page(
    index: string,
    cursor: string,
    limit: number,
  ): Promise<{ items: StoredSchedule[]; read: number; last: string | null }> {
    const { client, calls } = this.options;
    const reply = (await calls.call(
      () => `list schedules`,
      () =>
        SCHEDULE_PAGE_SCRIPT.run(
          client,
          [index, this.dataKey],
          [cursor, limit],
        ),
    )) as string[];
    const items: StoredSchedule[] = [];
    for (let i = 0; i < reply.length; i += 2)
      items.push(decodeSchedule(reply[i], reply[i + 1]));
    return {
      items,
      read: items.length,
      last: items.length > 0 ? items[items.length - 1].id : null,
    };
  }

  private script(
    what: string,
    script: RedisScript,
    keys: string[],
    args: (string | number)[],
  ): Promise<unknown> {
    return this.options.batch.run(script, keys, args).catch((error) => {
      throw asFailure(what, error);
    });
  }
}

/**
 * A schedule from its stored value.
 * @param id the hash field
 * @param value "<revision>:<updatedAt>:<paused 0|1>:<content JSON>"
 */
export function decodeSchedule(id: string, value: string): StoredSchedule {
  const first = value.indexOf(':');
  const second = value.indexOf(':', first + 1);
  const content = JSON.parse(value.slice(second + 3)) as Omit<
    StoredSchedule,
    'id' | 'revision' | 'updatedAt' | 'paused'
  >;
  return {
    id,
    handler: content.handler,
    trigger: content.trigger,
    payload: content.payload,
    options: content.options,
    startAt: content.startAt,
    endAt: content.endAt,
    enabled: content.enabled,
    paused: value.charAt(second + 1) === '1',
    revision: Number(value.slice(0, first)),
    updatedAt: Number(value.slice(first + 1, second)),
  };
}
