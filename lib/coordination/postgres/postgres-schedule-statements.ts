// The SQL of PostgresScheduleStore, one function per statement, for a schema
// name already checked against POSTGRES_SCHEMA_PATTERN. Every change writes a
// row of schedule_changes (the log a reconnecting watcher replays) and
// notifies "<seq>:<token>:<id>" on the channel, in the same statement.

/** Every column of a schedule, as written. */
const COLUMNS = `id, handler, trigger, payload, options, start_at, end_at, enabled, paused, revision, updated_at`;
/** Every column as the store reads it: JSON as its stored text (pg would parse a JSON string into a bare string). */
const READ = `id, handler, trigger::text AS trigger, payload::text AS payload, options::text AS options, start_at, end_at, enabled, paused, revision, updated_at`;

/** The database's clock in epoch ms (the store's `updatedAt`). */
const NOW_MS = `floor(extract(epoch FROM now()) * 1000)::bigint`;

/** The changes log keeps at least this many rows (pruned every 100 changes). */
export const PG_SCHEDULE_LOG_LENGTH = 10_000;

/**
 * The log row and notification of the changed rows of CTE `up`, and every
 * 100th change, the pruning of the log (its watermark in meta). $t token,
 * $c channel.
 */
function logChange(s: string, t: string, c: string): string {
  return `logged AS (
  INSERT INTO ${s}.schedule_changes (id, token) SELECT id, ${t} FROM up RETURNING seq, id
), pruned AS (
  DELETE FROM ${s}.schedule_changes
  WHERE seq <= (SELECT max(seq) FROM logged) - ${PG_SCHEDULE_LOG_LENGTH}
    AND (SELECT max(seq) FROM logged) % 100 = 0
  RETURNING seq
), watermark AS (
  INSERT INTO ${s}.meta AS m (key, value)
  SELECT 'schedule_log_pruned', max(seq) FROM pruned HAVING count(*) > 0
  ON CONFLICT (key) DO UPDATE SET value = GREATEST(m.value, EXCLUDED.value)
), notified AS (
  SELECT count(pg_notify(${c}, seq || ':' || ${t} || ':' || id)) AS n FROM logged
)`;
}

/**
 * Inserts the schedule, or replaces it when its content differs (the JSON
 * columns hold the canonical text, compared as text), bumping its revision;
 * paused is kept. $1 id, $2 handler, $3 trigger, $4 payload, $5 options (JSON
 * text), $6 startAt, $7 endAt, $8 enabled, $9 token, $10 channel. Rows: the
 * schedule with changed = true, or (unchanged) the stored one with changed =
 * false — read FOR UPDATE: the conflict locked the row, and this returns its
 * newest version, the one compared (the statement's snapshot may hold an
 * older one, seen in a two-process test); none when a concurrent insert of
 * the same id committed after this statement's snapshot (read it again).
 */
export const upsertScheduleSql = (s: string): string => `WITH up AS (
  INSERT INTO ${s}.schedules AS t (${COLUMNS})
  VALUES ($1, $2, $3::json, $4::json, $5::json, $6, $7, $8, false, 1, ${NOW_MS})
  ON CONFLICT (id) DO UPDATE SET handler = EXCLUDED.handler,
    trigger = EXCLUDED.trigger, payload = EXCLUDED.payload,
    options = EXCLUDED.options, start_at = EXCLUDED.start_at,
    end_at = EXCLUDED.end_at, enabled = EXCLUDED.enabled,
    revision = t.revision + 1, updated_at = EXCLUDED.updated_at
  WHERE (t.handler, t.trigger::text, t.payload::text, t.options::text,
      t.start_at, t.end_at, t.enabled)
    IS DISTINCT FROM (EXCLUDED.handler, EXCLUDED.trigger::text,
      EXCLUDED.payload::text, EXCLUDED.options::text, EXCLUDED.start_at,
      EXCLUDED.end_at, EXCLUDED.enabled)
  RETURNING ${COLUMNS}
), ${logChange(s, '$9', '$10')}, current AS (
  SELECT ${READ} FROM ${s}.schedules
  WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM up)
  FOR UPDATE
)
SELECT ${READ}, true AS changed, (SELECT n FROM notified) AS notified FROM up
UNION ALL
SELECT *, false, 0 FROM current`;

/** Removes a schedule with its task's state, history and pause (a schedule made again with its id starts afresh). $1 id, $2 token, $3 channel, $4 its task's name. One row: removed (0 or 1). */
export const removeScheduleSql = (s: string): string => `WITH up AS (
  DELETE FROM ${s}.schedules WHERE id = $1 RETURNING id
), state AS (
  DELETE FROM ${s}.task_state WHERE task = $4 AND EXISTS (SELECT 1 FROM up)
), runs AS (
  DELETE FROM ${s}.history WHERE task = $4 AND EXISTS (SELECT 1 FROM up)
), pause AS (
  DELETE FROM ${s}.paused WHERE task = $4 AND EXISTS (SELECT 1 FROM up)
), ${logChange(s, '$2', '$3')}
SELECT (SELECT count(*) FROM up) AS removed, (SELECT n FROM notified) AS notified`;

/**
 * Pauses or resumes a schedule, bumping its revision when that changes it.
 * $1 id, $2 paused, $3 token, $4 channel. A row (changed = true) when it
 * changed; none otherwise (read it).
 */
export const pauseScheduleSql = (s: string): string => `WITH up AS (
  UPDATE ${s}.schedules SET paused = $2, revision = revision + 1,
    updated_at = ${NOW_MS}
  WHERE id = $1 AND paused <> $2
  RETURNING ${COLUMNS}
), ${logChange(s, '$3', '$4')}
SELECT ${READ}, (SELECT n FROM notified) AS notified FROM up`;

/** One schedule. $1 id. */
export const getScheduleSql = (s: string): string =>
  `SELECT ${READ} FROM ${s}.schedules WHERE id = $1`;

/**
 * A page in id order (keyset: after the cursor), of every schedule or one
 * handler's. $1 limit, then $2 cursor and/or handler as the variant says.
 */
export const schedulePageSql = (
  s: string,
  byHandler: boolean,
  afterCursor: boolean,
): string => {
  const where: string[] = [];
  if (byHandler) where.push(`handler = $2`);
  if (afterCursor) where.push(`id > $${byHandler ? 3 : 2}`);
  return `SELECT ${READ} FROM ${s}.schedules${
    where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''
  } ORDER BY id LIMIT $1`;
};

/** The newest change's sequence number (0 when none). */
export const lastScheduleChangeSql = (s: string): string =>
  `SELECT COALESCE(max(seq), 0) AS seq FROM ${s}.schedule_changes`;

/**
 * Where a watch begins, in one snapshot: the newest change's sequence number
 * (0 when none), and the numbers logged above it less $1 (comma-separated),
 * since a lower number may still commit.
 */
export const scheduleWatchBaseSql = (s: string): string =>
  `WITH last AS (SELECT COALESCE(max(seq), 0) AS seq FROM ${s}.schedule_changes)
SELECT last.seq, (SELECT string_agg(c.seq::text, ',') FROM ${s}.schedule_changes c
  WHERE c.seq > last.seq - $1) AS logged FROM last`;

/**
 * The changes after $1, and whether the log was pruned past it (gap). Rows:
 * seq, token, id; or one row with gap = true and no seq.
 */
export const scheduleChangesSql = (s: string): string =>
  `SELECT seq, token, id, false AS gap FROM ${s}.schedule_changes
WHERE seq > $1 AND NOT EXISTS (
  SELECT 1 FROM ${s}.meta WHERE key = 'schedule_log_pruned' AND value > $1)
UNION ALL
SELECT NULL, NULL, NULL, true FROM ${s}.meta
WHERE key = 'schedule_log_pruned' AND value > $1`;
