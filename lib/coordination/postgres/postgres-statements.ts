// The SQL PostgresCoordinator sends, one function per statement, for a
// schema name already checked against POSTGRES_SCHEMA_PATTERN. Every expiry
// is on the database's clock (now()), so replicas whose clocks disagree still
// agree on who is alive and which claim or lease expired.

/**
 * Heartbeat, join and rejoin in one statement. Prunes expired members, bumps
 * the generation when this member joins a cluster with no live member,
 * renews this member's running marks, and notifies `$5` when the membership
 * changed. $1 replica, $2 ttl ms, $3 digest of the declared tasks, $4 their
 * JSON or null (when the caller believes the row has them), $5 channel, $6 the
 * tasks with a run in flight here (their marks are renewed, no other).
 * One row: gen, inserted (the row was missing: re-send the tasks when $4 was
 * null), others (JSON [[replica, digest], …] of the other live members).
 * A row inserted without its tasks (a member pruned while it was frozen)
 * gets the digest '': the others fetch its tasks again once they arrive,
 * instead of keeping the empty list under an unchanged digest (which gave
 * members different views, and due times no one ran, for seconds).
 */
export const heartbeatSql = (s: string): string => `WITH alive AS (
  SELECT replica, digest FROM ${s}.members WHERE expires_at > now()
), bump AS (
  UPDATE ${s}.meta SET value = value + 1
  WHERE key = 'generation' AND NOT EXISTS (SELECT 1 FROM alive)
  RETURNING value
), pruned AS (
  DELETE FROM ${s}.members WHERE expires_at <= now() AND replica <> $1
  RETURNING replica
), me AS (
  INSERT INTO ${s}.members AS m (replica, expires_at, digest, tasks)
  VALUES ($1, now() + $2 * interval '1 millisecond',
    CASE WHEN $4::text IS NULL THEN '' ELSE $3 END, COALESCE($4::jsonb, '[]'::jsonb))
  ON CONFLICT (replica) DO UPDATE SET expires_at = EXCLUDED.expires_at,
    digest = CASE WHEN $4::text IS NULL THEN m.digest ELSE EXCLUDED.digest END,
    tasks = CASE WHEN $4::text IS NULL THEN m.tasks ELSE EXCLUDED.tasks END
  RETURNING (xmax = 0) AS inserted
), renewed AS (
  UPDATE ${s}.running SET expires_at = now() + $2 * interval '1 millisecond'
  WHERE replica = $1 AND task = ANY($6::text[])
), changed AS (
  SELECT NOT EXISTS (SELECT 1 FROM alive WHERE replica = $1 AND digest = $3)
    OR EXISTS (SELECT 1 FROM pruned) AS yes
)
SELECT
  COALESCE((SELECT value FROM bump), (SELECT value FROM ${s}.meta WHERE key = 'generation')) AS gen,
  (SELECT inserted FROM me) AS inserted,
  (SELECT COALESCE(json_agg(json_build_array(replica, digest)), '[]'::json)
     FROM alive WHERE replica <> $1) AS others,
  (SELECT count(pg_notify($5, $1)) FROM changed WHERE yes) AS notified`;

/** The declared tasks of some members. $1 their ids. Rows: replica, tasks (JSON). */
export const memberTasksSql = (s: string): string =>
  `SELECT replica, tasks FROM ${s}.members WHERE replica = ANY($1::text[])`;

/** Leaves at once and tells the others. $1 replica, $2 channel. */
export const leaveSql = (s: string): string => `WITH gone AS (
  DELETE FROM ${s}.members WHERE replica = $1 RETURNING replica
)
SELECT count(pg_notify($2, $1)) AS notified FROM gone`;

/** Drops claims past their expiry, a bounded slice at a time. $1 slice size. */
export const pruneClaimsSql = (s: string): string =>
  `DELETE FROM ${s}.claims WHERE ctid = ANY(ARRAY(
  SELECT ctid FROM ${s}.claims WHERE expires_at < now() LIMIT $1 FOR UPDATE SKIP LOCKED))`;

/** Claim answers in a `claimBatchSql` row. */
export const PG_CLAIM_WON = 1;
/** A run of the task is in flight on another replica. */
export const PG_CLAIM_BUSY = 3;

/**
 * The fence of one due time for every task this replica owns and fires at
 * it, with their durable state and cluster-wide overlap: ONE statement per
 * due time and replica. $1 tasks, $2 their maxLoopCount (0 = none), $3
 * whether each marks its runs in flight (overlap ≠ 'allow'), $4 the due time
 * (epoch ms), $5 replica, $6 each claim's ttl (ms), $7 the running mark's ttl
 * (ms), $8 whether each holds a busy due time for later (bufferOne,
 * bufferAll, cancelOther) instead of skipping it, $9 when each one's count
 * starts (`reschedule`, epoch ms; 0 = none). A task whose maxLoopCount runs
 * were made in the current generation is not claimed; one whose run is in
 * flight on another replica is 'busy' (not fenced: it did not run; counted
 * skipped unless held). Rows: task, answer (1 won, 3 busy); a task absent
 * from the rows lost.
 *
 * `loops_from` (`reschedule`): a claim bringing a later start than the
 * stored one restarts `loops` from zero and stores it; from then on only due
 * times from it count. An older trigger's due time, held to start later,
 * neither counts nor is refused (as a held run in one process).
 *
 * What the statement's snapshot (`st`, `busy`) shows may be stale by the
 * time a row lock is had: another replica's claim of another due time may
 * commit meanwhile. So the two decisions are made again on the locked rows:
 * a marking task takes its running mark first (`marked`; lost: 'busy') and
 * only then its claim, and a run is counted against maxLoopCount on its
 * task_state row (`counted`), in the newer of the two generations; only
 * counted runs win; the restart too is decided on the locked row. (A mark
 * taken for a run the count then refuses, the task's last one having gone
 * elsewhere meanwhile, expires by itself.)
 */
export const claimBatchSql = (s: string): string => `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[], $6::bigint[], $8::boolean[], $9::bigint[])
    AS i(task, max_loops, marks, ttl, holds, loops_from)
), gen AS (
  SELECT value FROM ${s}.meta WHERE key = 'generation'
), st AS (
  SELECT i.task, i.max_loops, i.marks, i.ttl, i.holds, i.loops_from,
    CASE WHEN i.loops_from > COALESCE(t.loops_from, 0) THEN 0
      ELSE COALESCE(CASE WHEN t.gen = (SELECT value FROM gen) THEN t.loops END, 0) END AS loops,
    EXISTS (SELECT 1 FROM ${s}.claims c WHERE c.task = i.task AND c.due_at = $4) AS claimed,
    $4 >= GREATEST(i.loops_from, COALESCE(t.loops_from, 0)) AS counts
  FROM input i LEFT JOIN ${s}.task_state t ON t.task = i.task
), busy AS (
  SELECT st.task, st.holds FROM st JOIN ${s}.running r ON r.task = st.task
  WHERE st.marks AND r.replica <> $5 AND r.expires_at > now() AND NOT st.claimed
), eligible AS (
  SELECT * FROM st
  WHERE (NOT counts OR max_loops = 0 OR loops < max_loops) AND task NOT IN (SELECT task FROM busy)
), marked AS (
  INSERT INTO ${s}.running AS r (task, replica, expires_at)
  SELECT task, $5, now() + $7 * interval '1 millisecond'
  FROM eligible WHERE marks AND NOT claimed ORDER BY task
  ON CONFLICT (task) DO UPDATE SET replica = EXCLUDED.replica, expires_at = EXCLUDED.expires_at
  WHERE r.replica = EXCLUDED.replica OR r.expires_at <= now()
  RETURNING r.task
), outrun AS (
  SELECT task, holds FROM eligible
  WHERE marks AND NOT claimed AND task NOT IN (SELECT task FROM marked)
), won AS (
  INSERT INTO ${s}.claims (task, due_at, replica, expires_at)
  SELECT task, $4, $5, now() + ttl * interval '1 millisecond' FROM eligible
  WHERE NOT marks OR task IN (SELECT task FROM marked)
  ORDER BY task
  ON CONFLICT (task, due_at) DO NOTHING
  RETURNING task
), counted AS (
  INSERT INTO ${s}.task_state AS t (task, runs, loops, gen, last_due, last_replica, loops_from)
  SELECT st.task, 1, CASE WHEN $4 >= st.loops_from THEN 1 ELSE 0 END,
    (SELECT value FROM gen), $4, $5, st.loops_from
  FROM st JOIN won USING (task) ORDER BY st.task
  ON CONFLICT (task) DO UPDATE SET runs = t.runs + 1,
    loops = CASE WHEN EXCLUDED.loops_from <= t.loops_from AND t.gen >= EXCLUDED.gen
        THEN t.loops ELSE 0 END
      + CASE WHEN $4 >= GREATEST(t.loops_from, EXCLUDED.loops_from) THEN 1 ELSE 0 END,
    gen = GREATEST(t.gen, EXCLUDED.gen),
    loops_from = GREATEST(t.loops_from, EXCLUDED.loops_from),
    last_due = GREATEST(t.last_due, EXCLUDED.last_due),
    last_replica = EXCLUDED.last_replica
  WHERE t.gen < EXCLUDED.gen OR EXCLUDED.loops_from > t.loops_from OR $4 < t.loops_from
    OR NOT EXISTS (SELECT 1 FROM input i
      WHERE i.task = t.task AND i.max_loops > 0 AND t.loops >= i.max_loops)
  RETURNING t.task
), skips AS (
  UPDATE ${s}.task_state SET skipped = skipped + 1
  WHERE task IN (SELECT task FROM busy WHERE NOT holds UNION ALL SELECT task FROM outrun WHERE NOT holds)
)
SELECT task, ${PG_CLAIM_WON} AS answer FROM counted
UNION ALL SELECT task, ${PG_CLAIM_BUSY} FROM busy
UNION ALL SELECT task, ${PG_CLAIM_BUSY} FROM outrun`;

/**
 * This replica's runs of some tasks ended. $1 replica, $2 tasks, $3 channel,
 * $4 signal prefix, $5 the tasks whose end is announced (`$4 || task` on $3):
 * those whose due times other owners may hold for them.
 */
export const runEndedSql = (s: string): string => `WITH gone AS (
  DELETE FROM ${s}.running WHERE replica = $1 AND task = ANY($2::text[]) RETURNING task
)
SELECT count(pg_notify($3, $4 || task)) AS notified FROM gone WHERE task = ANY($5::text[])`;

/** Keeps this replica's running marks alive (while it leaves). $1 replica, $2 ttl ms, $3 the tasks it runs. */
export const renewRunningSql = (s: string): string =>
  `UPDATE ${s}.running SET expires_at = now() + $2 * interval '1 millisecond' WHERE replica = $1 AND task = ANY($3::text[])`;

/** Sends a cluster signal. $1 channel, $2 payload. */
export const publishSql = (): string => `SELECT pg_notify($1, $2) AS notified`;

/** Stores a task's cluster-wide pause and tells the others. $1 task, $2 reason, $3 channel, $4 payload. */
export const pauseSql = (s: string): string => `WITH stored AS (
  INSERT INTO ${s}.paused AS p (task, reason) VALUES ($1, $2)
  ON CONFLICT (task) DO UPDATE SET reason = EXCLUDED.reason, paused_at = now()
  RETURNING task
)
SELECT count(pg_notify($3, $4)) AS notified FROM stored`;

/**
 * Clears a task's cluster-wide pause and its streak of failed runs, and
 * tells the others. $1 task, $2 channel, $3 payload.
 */
export const resumeSql = (s: string): string => `WITH cleared AS (
  DELETE FROM ${s}.paused WHERE task = $1
), reset AS (
  UPDATE ${s}.task_state SET failed_run_streak = 0
  WHERE task = $1 AND failed_run_streak <> 0
)
SELECT pg_notify($2, $3) AS notified`;

/** Every paused task. Rows: task, reason. */
export const pausedSql = (s: string): string =>
  `SELECT task, reason FROM ${s}.paused`;

/**
 * Takes a `@Forever` lease when free or expired, renews it when held.
 * $1 task, $2 replica, $3 ttl ms. A row when this replica holds it.
 */
export const leaseSql = (s: string): string =>
  `INSERT INTO ${s}.leases AS l (task, replica, expires_at)
VALUES ($1, $2, now() + $3 * interval '1 millisecond')
ON CONFLICT (task) DO UPDATE SET replica = EXCLUDED.replica, expires_at = EXCLUDED.expires_at
WHERE l.replica = EXCLUDED.replica OR l.expires_at <= now()
RETURNING replica`;

/** Gives up a lease this replica holds. $1 task, $2 replica. */
export const releaseSql = (s: string): string =>
  `DELETE FROM ${s}.leases WHERE task = $1 AND replica = $2`;

/**
 * Catch-up on taking tasks over, ONE statement for all: each task's latest
 * due time fired or caught up (rows only for tasks that ran), marking it
 * caught up to $2 (just before the first due time the caller fires itself)
 * under the row's lock, so two replicas taking a task over together do not
 * both catch it up. $1 tasks, $2 their marks (epoch ms). Rows: task, last.
 */
export const takeOverSql = (s: string): string => `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::bigint[]) AS i(task, mark)
), old AS (
  SELECT t.task, GREATEST(t.last_due, t.caught_up) AS last, i.mark
  FROM ${s}.task_state t JOIN input i USING (task)
  WHERE t.last_due IS NOT NULL ORDER BY t.task FOR UPDATE OF t
), marked AS (
  UPDATE ${s}.task_state t SET caught_up = old.mark
  FROM old WHERE t.task = old.task AND old.mark > old.last
)
SELECT task, last FROM old`;

/** The counters of some tasks, for `TaskInfo`. $1 tasks. */
export const clusterStateSql = (s: string): string =>
  `SELECT task, runs, failures, skipped, consecutive_failures, last_run_at
FROM ${s}.task_state WHERE task = ANY($1::text[])`;

/**
 * One turn's history records, and what they add to their tasks' counters,
 * in ONE statement: $1..$6 task, scheduled_at, started_at, finished_at,
 * outcome, error of each record; $7 replica; $8 attempt, $9 catch_up, $10
 * the counter each moves ('f' failed try, 's' success, 'k' skipped, '';
 * 'F' no record: a run failed for good, `pauseOnFailure`'s streak + 1).
 * A success ends the task's failure streaks; failures after it start new ones.
 * Rows: task, streak_before — the failed_run_streak of the tasks with an 'F'
 * before the batch (0 for a row it created), so each 'F' learns its own.
 */
export const recordRunsSql = (s: string): string => `WITH r AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[],
    $5::text[], $6::text[], $8::integer[], $9::boolean[], $10::text[])
    WITH ORDINALITY AS r(task, scheduled_at, started_at, finished_at, outcome,
      error, attempt, catch_up, counter, ord)
), ins AS (
  INSERT INTO ${s}.history (task, scheduled_at, started_at, finished_at, outcome, error, replica, attempt, catch_up)
  SELECT task, scheduled_at, started_at, finished_at, outcome, error, $7, attempt, catch_up
  FROM r WHERE counter <> 'F'
), per AS (
  SELECT task,
    count(*) FILTER (WHERE counter = 'f') AS failures,
    count(*) FILTER (WHERE counter = 'k') AS skipped,
    count(*) FILTER (WHERE counter = 'F') AS finals,
    max(ord) FILTER (WHERE counter = 's') AS last_ok,
    max(started_at) AS last_run_at
  FROM r GROUP BY task
), counted AS (
  SELECT per.*, (SELECT count(*) FROM r WHERE r.task = per.task
    AND r.counter = 'f' AND r.ord > COALESCE(per.last_ok, 0)) AS streak,
    CASE WHEN finals = 0 THEN 0 ELSE (SELECT count(*) FROM r
      WHERE r.task = per.task AND r.counter = 'F'
      AND r.ord > COALESCE(per.last_ok, 0)) END AS run_streak
  FROM per
  WHERE failures > 0 OR skipped > 0 OR finals > 0 OR last_ok IS NOT NULL
    OR last_run_at IS NOT NULL
), locked AS (
  SELECT task, failed_run_streak AS streak_before FROM ${s}.task_state
  WHERE task IN (SELECT task FROM counted) ORDER BY task FOR UPDATE
), updated AS (
  UPDATE ${s}.task_state t SET failures = t.failures + c.failures,
    skipped = t.skipped + c.skipped,
    consecutive_failures = CASE WHEN c.last_ok IS NULL
      THEN t.consecutive_failures + c.streak ELSE c.streak END,
    failed_run_streak = CASE WHEN c.last_ok IS NULL
      THEN t.failed_run_streak + c.run_streak ELSE c.run_streak END,
    last_run_at = GREATEST(t.last_run_at, c.last_run_at)
  FROM counted c JOIN locked USING (task) WHERE t.task = c.task
  RETURNING t.task, locked.streak_before, c.finals
), inserted AS (
  INSERT INTO ${s}.task_state (task, failures, skipped, consecutive_failures,
    failed_run_streak, last_run_at)
  SELECT task, failures, skipped, streak, run_streak, last_run_at FROM counted
  WHERE task NOT IN (SELECT task FROM updated) ORDER BY task
  ON CONFLICT (task) DO NOTHING
  RETURNING task
)
SELECT task, streak_before FROM updated WHERE finals > 0
UNION ALL
SELECT task, 0 FROM inserted
WHERE task IN (SELECT task FROM counted WHERE finals > 0)`;

/** A task's durable state. $1 task. */
export const taskStateSql = (s: string): string =>
  `SELECT runs, loops, gen, skipped, last_due, last_replica FROM ${s}.task_state WHERE task = $1`;

/**
 * Forgets a removed task: its state row and history, unless a live member
 * other than this one declares it. $1 task, $2 this replica. One row:
 * forgotten. Its claims and running marks expire.
 */
export const forgetTaskSql = (s: string): string => `WITH kept AS (
  SELECT 1 FROM ${s}.members
  WHERE replica <> $2 AND expires_at > now()
    AND tasks @> jsonb_build_array($1::text)
), state AS (
  DELETE FROM ${s}.task_state WHERE task = $1 AND NOT EXISTS (SELECT 1 FROM kept)
), runs AS (
  DELETE FROM ${s}.history WHERE task = $1 AND NOT EXISTS (SELECT 1 FROM kept)
)
SELECT NOT EXISTS (SELECT 1 FROM kept) AS forgotten`;
