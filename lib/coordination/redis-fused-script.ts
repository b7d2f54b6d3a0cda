import {
  CLAIM_AHEAD_RELEASE_SCRIPT,
  CLAIM_AHEAD_SCRIPT,
  CLAIM_SCRIPT,
  FAILED_RUN_SCRIPT,
  HISTORY_SCRIPT,
  PUBLISH_SCRIPT,
  RedisScript,
  RUN_ENDED_SCRIPT,
  RUN_RENEW_SCRIPT,
  TAKE_OVER_SCRIPT,
  TASK_STATE_SCRIPT,
} from './redis-cluster.scripts';

/**
 * The per-run scripts a batch may fuse into one `EVALSHA`. None reads the
 * server's clock or needs its own call: each is wrapped as a Lua function of
 * its own KEYS and ARGV, so its source is unchanged.
 */
const FUSABLE: readonly RedisScript[] = [
  CLAIM_SCRIPT,
  RUN_ENDED_SCRIPT,
  RUN_RENEW_SCRIPT,
  HISTORY_SCRIPT,
  TAKE_OVER_SCRIPT,
  TASK_STATE_SCRIPT,
  PUBLISH_SCRIPT,
  CLAIM_AHEAD_SCRIPT,
  CLAIM_AHEAD_RELEASE_SCRIPT,
  FAILED_RUN_SCRIPT,
];

/** At most this many calls per fused script: one script blocks Redis while it runs. */
export const FUSED_MAX_CALLS = 500;

/**
 * Runs many calls of the fusable scripts in one step. ARGV[1] is a JSON array
 * of strings: the number of calls, then for each call its script's index,
 * its key count and its argument count, followed by its arguments; KEYS are
 * every call's keys in order. One JSON argument, not thousands: the client
 * encodes each argument of a command on its own, which cost more than the
 * scripts themselves (profiles of 3 replicas × 3 000 tasks). A failing call
 * does not stop the others (pcall): each reply is {1, reply} or {0, error
 * message}.
 */
export const FUSED_SCRIPT = new RedisScript(
  [
    'local F = {}',
    ...FUSABLE.map(
      (script, i) =>
        `F[${i + 1}] = function(KEYS, ARGV)\n${script.source}\nend`,
    ),
    `local out = {}
local A = cjson.decode(ARGV[1])
local ai, ki = 2, 1
for i = 1, tonumber(A[1]) do
  local f = F[tonumber(A[ai])]
  local nk, na = tonumber(A[ai + 1]), tonumber(A[ai + 2])
  ai = ai + 3
  local k, a = {}, {}
  for j = 1, nk do k[j] = KEYS[ki]; ki = ki + 1 end
  for j = 1, na do a[j] = A[ai]; ai = ai + 1 end
  local ok, r = pcall(f, k, a)
  if ok then
    if r == nil then r = false end
    out[i] = {1, r}
  else
    if type(r) == 'table' then r = r.err end
    out[i] = {0, tostring(r)}
  end
end
return out`,
  ].join('\n'),
);

const INDEX = new Map(FUSABLE.map((script, i) => [script, i + 1]));

/** True when `script` can run inside the fused script. */
export function isFusable(script: RedisScript): boolean {
  return INDEX.has(script);
}

/** One call to fuse. */
export interface FusedCall {
  script: RedisScript;
  keys: readonly string[];
  args: readonly (string | number)[];
}

/** The fused script's KEYS and ARGV for `calls` (all fusable). */
export function fuseCalls(calls: readonly FusedCall[]): {
  keys: string[];
  args: string[];
} {
  const keys: string[] = [];
  // Strings, as Redis gives a script its ARGV (a script compares some as strings).
  const args: string[] = [String(calls.length)];
  for (const call of calls) {
    args.push(
      String(INDEX.get(call.script)!),
      String(call.keys.length),
      String(call.args.length),
    );
    for (const key of call.keys) keys.push(key);
    for (const arg of call.args) args.push(String(arg));
  }
  return { keys, args: [JSON.stringify(args)] };
}

/** Each call's [error, reply], from the fused script's reply. */
export function unfuseReplies(
  reply: unknown,
  count: number,
): [unknown, unknown][] {
  const replies: [unknown, unknown][] = [];
  const list = Array.isArray(reply) ? (reply as unknown[]) : [];
  for (let i = 0; i < count; i++) {
    const entry = list[i];
    if (!Array.isArray(entry))
      replies.push([new Error('no reply in the fused script'), null]);
    else if (entry[0] === 1) replies.push([null, entry[1] ?? null]);
    else replies.push([new Error(String(entry[1])), null]);
  }
  return replies;
}
