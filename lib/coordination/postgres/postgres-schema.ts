// The tables of PostgresCoordinator, as SQL. The same statements are created
// on start (createSchema: true) and shipped as docs/postgres.sql for teams
// whose migrations are managed elsewhere; a spec keeps the two identical.

/** The schema `PostgresCoordinator` uses by default. */
export const POSTGRES_DEFAULT_SCHEMA = 'aioclock';

/** Key of the advisory lock that serialises schema creation across replicas. */
export const POSTGRES_SCHEMA_LOCK_KEY = 4_612_393_217;

/**
 * A schema name's shape: a plain lower-case identifier of at most 45
 * characters, so that its notification channels (`<schema>_schedules_changed`)
 * stay within PostgreSQL's 63.
 */
export const POSTGRES_SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,44}$/;

/**
 * Words PostgreSQL reserves, which an unquoted schema name cannot be
 * (`pg_get_keywords()`, categories R and T, PostgreSQL 15, and 16's
 * `system_user`).
 */
const RESERVED_WORDS = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary ' +
    'both case cast check collate collation column concurrently constraint ' +
    'create cross current_catalog current_date current_role current_schema ' +
    'current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign freeze from full ' +
    'grant group having ilike in initially inner intersect into is isnull ' +
    'join lateral leading left like limit localtime localtimestamp natural ' +
    'not notnull null offset on only or order outer overlaps placing primary ' +
    'references returning right select session_user similar some symmetric ' +
    'system_user table tablesample then to trailing true union unique user ' +
    'using variadic verbose when where window with'
  ).split(' '),
);

/** A schema name every statement can use unquoted: the pattern, no reserved word, no `pg_` (PostgreSQL's own). */
export function isPostgresSchemaName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    POSTGRES_SCHEMA_PATTERN.test(name) &&
    !RESERVED_WORDS.has(name) &&
    !name.startsWith('pg_')
  );
}

/**
 * The statements creating every table in `schema` when missing.
 * @param schema a name matching `POSTGRES_SCHEMA_PATTERN` (not quoted: it needs no quoting)
 */
export function postgresSchemaStatements(schema: string): string[] {
  const s = schema;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    // Live replicas: expiry on the database's clock, declared tasks and their digest.
    `CREATE TABLE IF NOT EXISTS ${s}.members (
  replica text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  digest text NOT NULL,
  tasks jsonb NOT NULL
)`,
    // 'generation': bumped when a replica joins a cluster with no live member.
    `CREATE TABLE IF NOT EXISTS ${s}.meta (
  key text PRIMARY KEY,
  value bigint NOT NULL
)`,
    `INSERT INTO ${s}.meta (key, value) VALUES ('generation', 0) ON CONFLICT (key) DO NOTHING`,
    // The per-due-time fence: a row per run, never deleted before it expires.
    `CREATE TABLE IF NOT EXISTS ${s}.claims (
  task text NOT NULL,
  due_at bigint NOT NULL,
  replica text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (task, due_at)
)`,
    `CREATE INDEX IF NOT EXISTS claims_expires_at ON ${s}.claims (expires_at)`,
    // Durable state per task; loops counts the runs of generation gen
    // (maxLoopCount) due from loops_from (reschedule; 0: none); caught_up:
    // catch-up handled the due times up to it; failed_run_streak: runs
    // failed for good in a row (pauseOnFailure).
    `CREATE TABLE IF NOT EXISTS ${s}.task_state (
  task text PRIMARY KEY,
  runs bigint NOT NULL DEFAULT 0,
  loops bigint NOT NULL DEFAULT 0,
  gen bigint NOT NULL DEFAULT 0,
  skipped bigint NOT NULL DEFAULT 0,
  last_due bigint,
  last_replica text,
  failures bigint NOT NULL DEFAULT 0,
  consecutive_failures bigint NOT NULL DEFAULT 0,
  last_run_at bigint,
  caught_up bigint,
  failed_run_streak bigint NOT NULL DEFAULT 0,
  loops_from bigint NOT NULL DEFAULT 0
)`,
    // A table made before failed_run_streak or loops_from (both 1 Dec
    // 2026) gets them.
    addedColumn(s, 'task_state', 'failed_run_streak'),
    addedColumn(s, 'task_state', 'loops_from'),
    // A run of the task in flight on this replica (cluster-wide overlap).
    `CREATE TABLE IF NOT EXISTS ${s}.running (
  task text PRIMARY KEY,
  replica text NOT NULL,
  expires_at timestamptz NOT NULL
)`,
    // Run history, kept to history.keep rows per task.
    `CREATE TABLE IF NOT EXISTS ${s}.history (
  id bigserial PRIMARY KEY,
  task text NOT NULL,
  scheduled_at bigint NOT NULL,
  started_at bigint,
  finished_at bigint,
  outcome text NOT NULL,
  error text,
  replica text NOT NULL,
  attempt integer NOT NULL DEFAULT 1,
  catch_up boolean NOT NULL DEFAULT false
)`,
    `CREATE INDEX IF NOT EXISTS history_task_due ON ${s}.history (task, scheduled_at DESC, id DESC)`,
    // @Forever leases.
    `CREATE TABLE IF NOT EXISTS ${s}.leases (
  task text PRIMARY KEY,
  replica text NOT NULL,
  expires_at timestamptz NOT NULL
)`,
    // Tasks paused cluster-wide by pauseOnFailure, until resumed.
    `CREATE TABLE IF NOT EXISTS ${s}.paused (
  task text PRIMARY KEY,
  reason text NOT NULL,
  paused_at timestamptz NOT NULL DEFAULT now()
)`,
    // Durable schedules; JSON columns hold canonical JSON (compared as text);
    // ids in byte order ("C"), as Redis pages them.
    `CREATE TABLE IF NOT EXISTS ${s}.schedules (
  id text COLLATE "C" PRIMARY KEY,
  handler text NOT NULL,
  trigger json NOT NULL,
  payload json NOT NULL,
  options json NOT NULL,
  start_at text,
  end_at text,
  enabled boolean NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  revision bigint NOT NULL,
  updated_at bigint NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS schedules_handler_id ON ${s}.schedules (handler, id)`,
    // The last schedule changes, replayed to a watcher whose LISTEN was lost.
    `CREATE TABLE IF NOT EXISTS ${s}.schedule_changes (
  seq bigserial PRIMARY KEY,
  id text NOT NULL,
  token text NOT NULL
)`,
  ];
}

/**
 * One statement creating the schema: a `DO` block holding a transaction-wide
 * advisory lock, so replicas starting together create it once, in turn.
 * A single statement also suits drivers (PGlite) whose `query` runs one.
 */
export function postgresCreateSchemaStatement(schema: string): string {
  const body = postgresSchemaStatements(schema)
    .map((statement) => `  EXECUTE ${dollarQuote(statement)};`)
    .join('\n');
  return `DO $aioclock$
BEGIN
  PERFORM pg_advisory_xact_lock(${POSTGRES_SCHEMA_LOCK_KEY});
${body}
END
$aioclock$`;
}

/** The file docs/postgres.sql: the schema as a migration, in one transaction. */
export function postgresSchemaFile(
  schema: string = POSTGRES_DEFAULT_SCHEMA,
): string {
  return `-- nestjs-aioclock: the tables of PostgresCoordinator (schema ${schema}).
-- Apply with your migrations and pass createSchema: false; replace the
-- schema name when you give the coordinator another one.
BEGIN;
${postgresSchemaStatements(schema)
  .map((statement) => `${statement};`)
  .join('\n')}
COMMIT;
`;
}

/**
 * Adds a `bigint NOT NULL DEFAULT 0` column to a table made before it.
 * Checked first: ALTER TABLE locks the table out even when IF NOT EXISTS
 * finds the column.
 */
function addedColumn(s: string, table: string, column: string): string {
  return `DO $column$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
    WHERE attrelid = '${s}.${table}'::regclass
      AND attname = '${column}' AND NOT attisdropped) THEN
    ALTER TABLE ${s}.${table} ADD COLUMN ${column} bigint NOT NULL DEFAULT 0;
  END IF;
END
$column$`;
}

function dollarQuote(text: string): string {
  return `$sql$${text}$sql$`;
}
