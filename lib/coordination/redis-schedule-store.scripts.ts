import { RedisScript } from './redis-cluster.scripts';

// The Lua of RedisScheduleStore. Every key shares the `{schedules}` hash tag,
// so one script may touch them all, on one Redis Cluster slot. A schedule is
// one field of the data hash: id → "<revision>:<updatedAt>:<paused 0|1>:<content>",
// where content is the canonical JSON the client computed (scheduleContentKey),
// so "changed" is a string comparison made inside the script, atomically.
// Handler index keys are `<handlerKeyBase><handler>`, built in the script
// from the old content's handler (it keeps the same hash tag, hence the slot).
// Each change takes the next sequence number (field `seq` of the meta hash),
// is pushed onto a capped log ("<seq>:<token>:<id>", newest first) and
// published as that same text, so a watcher can replay what it missed.

const LOG_CHANGE = `local seq = redis.call('HINCRBY', KEYS[4], 'seq', 1)
local entry = seq .. ':' .. ARGV[5] .. ':' .. ARGV[1]
redis.call('LPUSH', KEYS[5], entry)
redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[6]) - 1)
redis.call('PUBLISH', ARGV[4], entry)`;

/**
 * Inserts or updates one schedule when its content differs; keeps `paused`.
 * KEYS: data hash, ids sorted set, the new handler's sorted set, meta hash, log.
 * ARGV: id, content, handler, channel, token, log length, handlerKeyBase.
 * Returns {1, value} when it changed (logged and published), {0, value}
 * when the stored content was already equal.
 */
export const UPSERT_SCHEDULE_SCRIPT =
  new RedisScript(`local old = redis.call('HGET', KEYS[1], ARGV[1])
local revision = 0
local paused = '0'
if old then
  local r, u, p, content = string.match(old, '^(%d+):(%d+):([01]):(.*)$')
  if content == ARGV[2] then return {0, old} end
  revision = tonumber(r)
  paused = p
  local previous = cjson.decode(content).handler
  if previous ~= ARGV[3] then
    redis.call('ZREM', ARGV[7] .. previous, ARGV[1])
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local value = string.format('%d:%d:%s:', revision + 1, now, paused) .. ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], value)
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
${LOG_CHANGE}
return {1, value}`);

/**
 * Removes one schedule and its index entries.
 * KEYS: data hash, ids sorted set, (unused), meta hash, log.
 * ARGV: id, handlerKeyBase, (unused), channel, token, log length.
 * Returns 1 when it existed (logged and published), else 0.
 */
export const REMOVE_SCHEDULE_SCRIPT =
  new RedisScript(`local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
local content = string.match(old, '^%d+:%d+:[01]:(.*)$')
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', ARGV[2] .. cjson.decode(content).handler, ARGV[1])
${LOG_CHANGE}
return 1`);

/**
 * Pauses or resumes one schedule; a change bumps its revision.
 * KEYS: data hash, (unused), (unused), meta hash, log.
 * ARGV: id, '1' to pause or '0' to resume, (unused), channel, token, log length.
 * Returns {1, value} when it changed (logged and published), {0, value} when it
 * already was so, {} when there is no such schedule.
 */
export const PAUSE_SCHEDULE_SCRIPT =
  new RedisScript(`local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return {} end
local r, u, p, content = string.match(old, '^(%d+):(%d+):([01]):(.*)$')
if p == ARGV[2] then return {0, old} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local value = string.format('%d:%d:%s:', tonumber(r) + 1, now, ARGV[2]) .. content
redis.call('HSET', KEYS[1], ARGV[1], value)
${LOG_CHANGE}
return {1, value}`);

/**
 * One page of an index, in id order, with each schedule's value.
 * KEYS: an index sorted set (all ids, or one handler's), data hash.
 * ARGV: the cursor ('' from the start: the last id of the previous page), limit.
 * Returns {id1, value1, id2, value2, …}.
 */
export const SCHEDULE_PAGE_SCRIPT = new RedisScript(`local from = '-'
if ARGV[1] ~= '' then from = '(' .. ARGV[1] end
local ids = redis.call('ZRANGEBYLEX', KEYS[1], from, '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return {} end
local values = redis.call('HMGET', KEYS[2], unpack(ids))
local out = {}
for i = 1, #ids do
  if values[i] then
    out[#out + 1] = ids[i]
    out[#out + 1] = values[i]
  end
end
return out`);

/**
 * The logged changes after a sequence number, newest first.
 * KEYS: meta hash, log. ARGV: the sequence number.
 * Returns -1 when the log no longer reaches back that far.
 */
export const SCHEDULE_CHANGES_SCRIPT =
  new RedisScript(`local last = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local since = tonumber(ARGV[1])
if since >= last then return {} end
if since < last - redis.call('LLEN', KEYS[2]) then return -1 end
return redis.call('LRANGE', KEYS[2], 0, last - since - 1)`);
