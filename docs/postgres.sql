-- nestjs-aioclock: the tables of PostgresCoordinator (schema aioclock).
-- Apply with your migrations and pass createSchema: false; replace the
-- schema name when you give the coordinator another one.
BEGIN;
CREATE SCHEMA IF NOT EXISTS aioclock;
CREATE TABLE IF NOT EXISTS aioclock.members (
  replica text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  digest text NOT NULL,
  tasks jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS aioclock.meta (
  key text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO aioclock.meta (key, value) VALUES ('generation', 0) ON CONFLICT (key) DO NOTHING;
CREATE TABLE IF NOT EXISTS aioclock.claims (
  task text NOT NULL,
  due_at bigint NOT NULL,
  replica text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (task, due_at)
);
CREATE INDEX IF NOT EXISTS claims_expires_at ON aioclock.claims (expires_at);
CREATE TABLE IF NOT EXISTS aioclock.task_state (
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
);
DO $column$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
    WHERE attrelid = 'aioclock.task_state'::regclass
      AND attname = 'failed_run_streak' AND NOT attisdropped) THEN
    ALTER TABLE aioclock.task_state ADD COLUMN failed_run_streak bigint NOT NULL DEFAULT 0;
  END IF;
END
$column$;
DO $column$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
    WHERE attrelid = 'aioclock.task_state'::regclass
      AND attname = 'loops_from' AND NOT attisdropped) THEN
    ALTER TABLE aioclock.task_state ADD COLUMN loops_from bigint NOT NULL DEFAULT 0;
  END IF;
END
$column$;
CREATE TABLE IF NOT EXISTS aioclock.running (
  task text PRIMARY KEY,
  replica text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS aioclock.history (
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
);
CREATE INDEX IF NOT EXISTS history_task_due ON aioclock.history (task, scheduled_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS aioclock.leases (
  task text PRIMARY KEY,
  replica text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS aioclock.paused (
  task text PRIMARY KEY,
  reason text NOT NULL,
  paused_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS aioclock.schedules (
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
);
CREATE INDEX IF NOT EXISTS schedules_handler_id ON aioclock.schedules (handler, id);
CREATE TABLE IF NOT EXISTS aioclock.schedule_changes (
  seq bigserial PRIMARY KEY,
  id text NOT NULL,
  token text NOT NULL
);
COMMIT;
