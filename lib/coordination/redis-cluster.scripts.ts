import { createHash } from 'node:crypto';
import type { RedisCoordinatorClient } from './redis-client.interface';

/** The client calls the cluster scripts need. */
export type ClusterScriptClient = RedisCoordinatorClient;

/** A Lua script sent by its SHA1, and in full once when Redis lost it. */
export class RedisScript {
  /** SHA1 of the source, as `EVALSHA` wants it. */
  readonly sha: string;

  /** @param source the Lua source */
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script: `EVALSHA`, then `EVAL` (which caches it again) when
   * Redis answers NOSCRIPT, as after a restart.
   */
  async run(
    client: ClusterScriptClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** True for Redis's "script not cached" error. */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Heartbeat, join and rejoin in one step, timed by the server's clock (TIME),
 * so replicas whose clocks disagree still agree on who is alive.
 * KEYS: members hash (id → "expiresAt|digest"), declared-tasks hash
 * (id → JSON array), generation counter.
 * ARGV: id, ttlMs, digest of the declared tasks, their JSON ('' when the
 * caller believes Redis has them), change channel.
 * Prunes expired members and publishes on the channel when the membership
 * changed. Returns {-1} when Redis lacks this member's tasks and none were
 * sent, else {generation, joined (1 when this member was not alive),
 * id1, "exp1|digest1", …}.
 */
export const HEARTBEAT_SCRIPT = new RedisScript(`local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], id, ARGV[4])
elseif redis.call('HEXISTS', KEYS[2], id) == 0 then
  return {-1}
end
local changed = false
local joined = 1
local alive = 0
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local exp = tonumber(string.match(all[i + 1], '^(%d+)'))
  if exp <= now then
    redis.call('HDEL', KEYS[1], all[i])
    if all[i] ~= id then redis.call('HDEL', KEYS[2], all[i]) end
    changed = true
  elseif all[i] == id then
    joined = 0
    if string.match(all[i + 1], '|(.*)$') ~= ARGV[3] then changed = true end
  else
    alive = alive + 1
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
if joined == 1 then changed = true end
local entry = (now + tonumber(ARGV[2])) .. '|' .. ARGV[3]
redis.call('HSET', KEYS[1], id, entry)
out[#out + 1] = id
out[#out + 1] = entry
local gen = tonumber(redis.call('GET', KEYS[3]) or '0')
if joined == 1 and alive == 0 then gen = redis.call('INCR', KEYS[3]) end
if changed then redis.call('PUBLISH', ARGV[5], id) end
local reply = {gen, joined}
for i = 1, #out do reply[#reply + 1] = out[i] end
return reply`);

/**
 * Leaves at once (graceful shutdown), so the others take the tasks over
 * without waiting for the entry to expire.
 * KEYS: members hash, declared-tasks hash. ARGV: id, change channel.
 */
export const LEAVE_SCRIPT =
  new RedisScript(`redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[1])
return 1`);

/**
 * Whether a live member other than the caller declares a task, read on the
 * server's clock from the members and declared-tasks hashes (the heartbeat's
 * keys): what `forgetTask` asks right before deleting, member or not.
 * KEYS: members hash, declared-tasks hash. ARGV: caller's id, task name.
 */
export const DECLARED_ELSEWHERE_SCRIPT =
  new RedisScript(`local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local exp = tonumber(string.match(all[i + 1], '^(%d+)'))
  if all[i] ~= ARGV[1] and exp ~= nil and exp > now then
    local json = redis.call('HGET', KEYS[2], all[i])
    if json then
      local ok, names = pcall(cjson.decode, json)
      if ok and type(names) == 'table' then
        for _, name in ipairs(names) do
          if name == ARGV[2] then return 1 end
        end
      end
    end
  end
end
return 0`);

/** The claim went to this replica. */
export const CLAIM_WON = 1;
/** Another replica holds the claim. */
export const CLAIM_TAKEN = 0;
/** The cluster has made the task's `maxLoopCount` runs in this generation. */
export const CLAIM_FINISHED = 2;
/** A run of the task is in flight on another replica (cluster-wide overlap). */
export const CLAIM_BUSY = 3;
/** The claim must wait: another member holds a fence ahead it revoked (`CLAIM_SCRIPT`). */
export const CLAIM_WAIT = 4;

/**
 * The per-due-time fence, the task's durable state and its cluster-wide
 * overlap, in one step on the task's slot.
 * KEYS: claim key, state hash, running key. ARGV: replica id, claim ttl
 * (ms), due (epoch ms), maxLoopCount (0 = none), membership generation,
 * overlap ('allow' or another policy), running ttl (ms), and when needed:
 * the count's start (epoch ms, 0 = none: see loopsFrom) and the mode: '' a
 * claim, '1' to confirm a fence this replica took ahead
 * (`CLAIM_AHEAD_SCRIPT`: no loop or busy check, since its run has started;
 * 0 when the fence is not its own any more), '2' to finish a claim that
 * answered `CLAIM_WAIT`.
 * State fields: runs (all time), loops + gen (runs since the cluster last
 * started from no members, which is what maxLoopCount counts), loopsFrom
 * (set by `reschedule`: loops restart from zero when a claim brings a later
 * start, and count only due times from it; an older trigger's due time,
 * held to start later, neither counts nor is refused), skipped,
 * lastDue (the latest due time claimed: a catch-up of an older one leaves
 * it), lastReplica. The running key holds the replica id while a run of
 * the task is in flight there (renewed with its heartbeats, deleted when its
 * last run of the task ends); a run in flight on ANOTHER replica makes the
 * claim busy (its own are left to the local overlap policy). A busy due time
 * is not fenced (its key, set first, is taken back): it did not run (yet: the buffering policies hold it and
 * claim it again later, so only 'skip' counts it skipped).
 * A fence another member took ahead (the task's ahead key, `<due>|<id>`, on
 * the same slot as the running key) starts its run without asking Redis,
 * so a claim that marks a run must not start while it may: it revokes the
 * fence (`!<due>|<id>`; its holder, told, gives it back unused) and answers
 * {`CLAIM_WAIT`, ms the fence may still live}, holding the running key; asked
 * again (mode '2') once the fence is given back, confirmed or expired, it
 * wins if it still holds the running key, else it is busy: the holder had
 * started on its fence and its confirmation took the running key.
 */
export const CLAIM_SCRIPT =
  new RedisScript(`local st = redis.call('HMGET', KEYS[2], 'gen', 'loops', 'lastDue', 'runs', 'loopsFrom')
local max = tonumber(ARGV[4])
local from = st[5]
local loops = 0
if ARGV[8] and tonumber(ARGV[8]) > tonumber(from or '0') then
  from = ARGV[8]
elseif st[1] == ARGV[5] then
  loops = tonumber(st[2] or '0')
end
local counts = not from or tonumber(ARGV[3]) >= tonumber(from)
local ahead = string.sub(KEYS[3], 1, -8) .. 'ahead'
if ARGV[9] == '1' then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] .. '|ahead' then return 0 end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  local mine = ARGV[3] .. '|' .. ARGV[1]
  local p = redis.call('GET', ahead)
  if p == mine or p == '!' .. mine then redis.call('DEL', ahead) end
  if ARGV[6] ~= 'allow' then redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[7]) end
elseif ARGV[9] == '2' then
  if redis.call('GET', KEYS[3]) ~= ARGV[1] then
    if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
    if ARGV[6] == 'skip' then redis.call('HINCRBY', KEYS[2], 'skipped', 1) end
    return 3
  end
  local p = redis.call('GET', ahead)
  if p and string.sub(p, 1, 1) == '!' then return {4, redis.call('PTTL', ahead)} end
else
  if counts and max > 0 and loops >= max then return 2 end
  if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 0 end
  if ARGV[6] ~= 'allow' then
    local holder = redis.call('GET', KEYS[3])
    if holder and holder ~= ARGV[1] then
      redis.call('DEL', KEYS[1])
      if ARGV[6] == 'skip' then redis.call('HINCRBY', KEYS[2], 'skipped', 1) end
      return 3
    end
    redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[7])
    local p = redis.call('GET', ahead)
    if p and string.match(p, '^!?%-?%d+|(.*)$') ~= ARGV[1] then
      local ttl = redis.call('PTTL', ahead)
      if string.sub(p, 1, 1) ~= '!' then redis.call('SET', ahead, '!' .. p, 'PX', ttl) end
      return {4, ttl}
    end
  end
end
if counts then loops = loops + 1 end
local last = ARGV[3]
if st[3] and tonumber(st[3]) > tonumber(last) then last = st[3] end
local set = {'runs', tonumber(st[4] or '0') + 1, 'loops', loops, 'gen', ARGV[5], 'lastDue', last, 'lastReplica', ARGV[1]}
if from then
  set[#set + 1] = 'loopsFrom'
  set[#set + 1] = from
end
redis.call('HSET', KEYS[2], unpack(set))
return 1`);

/**
 * Fences a due time ahead of it (claims sent ahead, `redis-claims-ahead.ts`):
 * the fence holds `<id>|ahead` for ARGV[2] ms and nothing else is written
 * but, unless ARGV[3] is 'allow', the task's ahead key (`<due>|<id>`, as
 * long), where a claim that marks a run elsewhere finds it (`CLAIM_SCRIPT`);
 * the claim script confirms it (mode '1') when the run starts. Refused
 * while a run of the task is in flight on another replica (unless ARGV[3]
 * is 'allow').
 * KEYS: claim key, running key. ARGV: replica id, ttl (ms), overlap, due.
 * Returns 1 when fenced, 0 when the due time is fenced already, 3 when busy.
 */
export const CLAIM_AHEAD_SCRIPT = new RedisScript(`if ARGV[3] ~= 'allow' then
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[1] then return 3 end
end
if redis.call('SET', KEYS[1], ARGV[1] .. '|ahead', 'PX', ARGV[2], 'NX') then
  if ARGV[3] ~= 'allow' then
    redis.call('SET', string.sub(KEYS[2], 1, -8) .. 'ahead', ARGV[4] .. '|' .. ARGV[1], 'PX', ARGV[2])
  end
  return 1
end
return 0`);

/**
 * Gives back a fence taken ahead and not used (the replica leaves, the task
 * is no longer declared here, or another replica revoked it), with its ahead
 * key; a revoked one is announced (ARGV[4] on channel ARGV[3]), so the claim
 * waiting for it goes on at once.
 * KEYS: claim key, ahead key. ARGV: replica id, due, channel, payload.
 */
export const CLAIM_AHEAD_RELEASE_SCRIPT = new RedisScript(`local gone = 0
if redis.call('GET', KEYS[1]) == ARGV[1] .. '|ahead' then
  gone = redis.call('DEL', KEYS[1])
end
local mine = ARGV[2] .. '|' .. ARGV[1]
local p = redis.call('GET', KEYS[2])
if p == mine then
  redis.call('DEL', KEYS[2])
elseif p == '!' .. mine then
  redis.call('DEL', KEYS[2])
  redis.call('PUBLISH', ARGV[3], ARGV[4])
end
return gone`);

/**
 * The replica's last run of a task ended: frees the task's running key if
 * this replica holds it, and then publishes ARGV[3] on channel ARGV[2] when
 * given (tasks whose due times others may hold for it).
 * KEYS: running key. ARGV: replica id, channel, payload ('' for none).
 */
export const RUN_ENDED_SCRIPT =
  new RedisScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[3] and ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
  return 1
end
return 0`);

/** Publishes ARGV[2] on channel ARGV[1] (a cluster signal). */
/**
 * Gives up a claim that waited on another member's fence (its member
 * leaves): its due time's fence and, unless a run of the task is still in
 * flight here, the running key it took, so the next owner can claim both.
 * KEYS: claim key, running key. ARGV: replica id, '1' to keep the running key.
 */
export const CLAIM_GIVE_UP_SCRIPT = new RedisScript(
  `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if ARGV[2] ~= '1' and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 0`,
);

export const PUBLISH_SCRIPT = new RedisScript(
  `return redis.call('PUBLISH', ARGV[1], ARGV[2])`,
);

/**
 * Stores a task's cluster-wide pause (ARGV[2] its reason) or clears it
 * (ARGV[2] ''), then publishes ARGV[4] on channel ARGV[3].
 * KEYS: the paused hash (task → reason). ARGV: task, reason, channel, payload.
 */
export const PAUSE_SCRIPT = new RedisScript(`if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return redis.call('PUBLISH', ARGV[3], ARGV[4])`);

/** Every paused task: KEYS: the paused hash. Returns {task1, reason1, …}. */
export const PAUSED_SCRIPT = new RedisScript(
  `return redis.call('HGETALL', KEYS[1])`,
);

/**
 * Keeps runs in flight visible: renews the running key this replica holds.
 * KEYS: running key. ARGV: replica id, ttl (ms).
 */
export const RUN_RENEW_SCRIPT =
  new RedisScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`);

/**
 * Adds one record to a task's capped history and counts it in the task's
 * state: the end of a run is recorded here, so its counters cost no extra
 * round trip.
 * KEYS: history list, state hash. ARGV: record JSON, how many to keep, what
 * it counts ('f' a failed try: failures and consecutiveFailures + 1; 's' a
 * success: consecutiveFailures and failedRunStreak 0, in the one HSET; 'k' a skipped due
 * time; '' nothing), the
 * run's start (epoch ms; '' when it did not run), kept in lastRunAt when later,
 * the length at which the list is trimmed back to how many to keep (a
 * little over it: one LTRIM per few records instead of one per record).
 */
export const HISTORY_SCRIPT =
  new RedisScript(`if redis.call('LPUSH', KEYS[1], ARGV[1]) >= tonumber(ARGV[5]) then
  redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
end
local set = {}
if ARGV[3] == 'f' then
  redis.call('HINCRBY', KEYS[2], 'failures', 1)
  redis.call('HINCRBY', KEYS[2], 'consecutiveFailures', 1)
elseif ARGV[3] == 's' then
  set[#set + 1] = 'consecutiveFailures'
  set[#set + 1] = 0
  set[#set + 1] = 'failedRunStreak'
  set[#set + 1] = 0
elseif ARGV[3] == 'k' then
  redis.call('HINCRBY', KEYS[2], 'skipped', 1)
end
if ARGV[4] ~= '' then
  local prev = redis.call('HGET', KEYS[2], 'lastRunAt')
  if not prev or tonumber(prev) < tonumber(ARGV[4]) then
    set[#set + 1] = 'lastRunAt'
    set[#set + 1] = ARGV[4]
  end
end
if #set > 0 then redis.call('HSET', KEYS[2], unpack(set)) end
return 1`);

/**
 * A run failed for good (`pauseOnFailure`): one more in the task's streak of
 * such runs, which a success's record ends. KEYS: state hash. Returns the streak.
 */
export const FAILED_RUN_SCRIPT = new RedisScript(
  `return redis.call('HINCRBY', KEYS[1], 'failedRunStreak', 1)`,
);

/** The task was resumed: its streak of failed runs starts afresh. KEYS: state hash. */
export const STREAK_RESET_SCRIPT = new RedisScript(
  `return redis.call('HDEL', KEYS[1], 'failedRunStreak')`,
);

/**
 * Catch-up on taking a task over: reads the latest due time fired (or
 * caught up) and marks the task caught up to just before the first due time
 * the caller fires itself, in one step, so two replicas taking the task over
 * together do not both catch it up.
 * KEYS: state hash. ARGV: the mark (epoch ms: that due time − 1).
 * Returns the due time (a string), or nil when the task never ran.
 */
export const TAKE_OVER_SCRIPT =
  new RedisScript(`local last = redis.call('HGET', KEYS[1], 'lastDue')
if not last then return false end
local up = redis.call('HGET', KEYS[1], 'caughtUp')
if up and tonumber(up) > tonumber(last) then last = up end
if tonumber(ARGV[1]) > tonumber(last) then
  redis.call('HSET', KEYS[1], 'caughtUp', ARGV[1])
end
return last`);

/**
 * A task's counters, for `TaskInfo`. KEYS: state hash. Returns {runs,
 * failures, skipped, consecutiveFailures, lastRunAt}, nil where unset.
 */
export const TASK_STATE_SCRIPT = new RedisScript(
  `return redis.call('HMGET', KEYS[1], 'runs', 'failures', 'skipped', 'consecutiveFailures', 'lastRunAt')`,
);

/**
 * Forgets a removed task: its state hash and history list. KEYS: history
 * list, state hash (one slot). Its claims, running mark and lease expire.
 */
export const FORGET_TASK_SCRIPT = new RedisScript(
  `return redis.call('DEL', KEYS[1], KEYS[2])`,
);
