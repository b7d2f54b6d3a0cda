// Every user-facing message, as a small function returning a string, so tests
// can assert on exact messages and wording stays consistent.

/** Renders a bad value the way a user typed it: strings quoted, objects as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    value === undefined ||
    value === null
  )
    return String(value);
  if (typeof value === 'function')
    return `[function ${value.name || 'anonymous'}]`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export const invalidParameter = (
  parameter: string,
  value: unknown,
  expected: string,
): string =>
  `invalid ${parameter}: ${formatValue(value)} (expected ${expected})`;

export const unknownParameter = (
  trigger: string,
  parameter: string,
  allowed: readonly string[],
): string =>
  `unknown parameter "${parameter}" for ${trigger} (allowed: ${allowed.join(', ')})`;

export const inTask = (task: string, message: string): string =>
  `${task}: ${message}`;

export const taskNotFound = (name: string): string =>
  `No task named "${name}" is registered`;

export const taskTimedOut = (name: string, timeoutMs: number): string =>
  `Task ${name} timed out after ${timeoutMs} ms`;

// --- trigger validation (lib/triggers/validate-trigger.ts) ---

/** A required parameter is absent. */
export const missingParameter = (parameter: string, expected: string): string =>
  `missing ${parameter} (expected ${expected})`;

/** A cron expression that cron-parser (or the field count check) rejects. */
export const invalidCron = (expression: unknown, reason: string): string =>
  `invalid cron: ${formatValue(expression)} (${reason})`;

/** Prefixes a member's own message with its place in an `@OrTrigger`. */
export const invalidOrMember = (index: number, message: string): string =>
  // A nested or's message already starts with its own path: join them.
  message.startsWith('triggers[')
    ? `triggers[${index}].${message}`
    : `triggers[${index}]: ${message}`;

/** A trigger that has no place inside an `@OrTrigger`. */
export const notAllowedInOr = (type: string): string =>
  `${type} cannot be a member of an or trigger (allowed: every, at, cron, once, or)`;

export const twoTriggerDecorators = (
  task: string,
  first: string,
  second: string,
): string =>
  `${task} has two trigger decorators (@${first} and @${second}); combine them with @OrTrigger([...])`;

export const notATriggerMember = (index: number, value: unknown): string =>
  `invalid triggers[${index}]: ${formatValue(value)} (expected the result of @Every, @At, @Cron, @Once or @OrTrigger, e.g. Every({ seconds: 5 }))`;

export const memberHasOptions = (index: number): string =>
  `triggers[${index}] has task options; give name, timeout, overlap and enabled to @OrTrigger itself`;

export const duplicateTaskName = (
  name: string,
  first: string,
  second: string,
): string =>
  `Duplicate task name "${name}": used by ${first} and ${second}; give one of them another name with { name: '...' }`;

export const requestScopedTask = (
  task: string,
  scope: 'request-scoped' | 'transient',
): string =>
  `Task ${task} is not registered: its provider is ${scope}, and a scheduled task runs outside any request on no instance Nest holds; make the provider a singleton (the default scope)`;

export const invalidOption = (
  owner: string,
  option: string,
  value: unknown,
  expected: string,
): string =>
  `${owner}: invalid ${option}: ${formatValue(value)} (expected ${expected})`;

export const unknownOption = (
  owner: string,
  option: string,
  allowed: readonly string[],
): string =>
  `${owner}: unknown option "${option}" (allowed: ${allowed.join(', ')})`;

/** Two `AioClockModule.forRoot()` imports: which one schedules. */
export const forRootImportedTwice = (): string =>
  'AioClockModule.forRoot() is imported more than once; the import closest to the root module schedules every task with its options, the others are ignored';

/** A trigger decorator put on something that is not a method. */
export const methodsOnly = (decorator: string): string =>
  `@${decorator} decorates methods only`;

export const taskFailed = (task: string, error: unknown): string =>
  `Task ${task} failed: ${error instanceof Error ? error.message : formatValue(error)}`;

/** An `@Every` whose units add up to an unusable interval. */
export const invalidInterval = (totalMs: number, expected: string): string =>
  `invalid interval: ${totalMs} ms (expected ${expected})`;

// --- coordination (lib/coordination/redis.coordinator.ts) ---

/** A coordinator call that could not be decided: what was asked, and why. */
export const coordinationFailed = (what: string, cause: string): string =>
  `Redis coordinator could not ${what}: ${cause}`;

/** The cause when Redis did not answer in time. */
export const redisNoAnswer = (timeoutMs: number, status: string): string =>
  `no answer within ${timeoutMs} ms (connection ${status})`;

/** The cause when the user's client was closed for good. */
export const redisClientClosed = (): string =>
  'the Redis client is closed (quit() or disconnect() was called)';

/** A bad `RedisCoordinator` option. */
export const invalidCoordinatorOption = (
  option: string,
  value: unknown,
  expected: string,
): string =>
  `RedisCoordinator: invalid ${option}: ${value !== null && typeof value === 'object' ? 'an object' : formatValue(value)} (expected ${expected})`;

// --- PostgreSQL coordination (lib/coordination/postgres.coordinator.ts) ---

/** A PostgresCoordinator call that could not be decided: what was asked, and why. */
export const postgresCoordinationFailed = (
  what: string,
  cause: string,
): string => `PostgreSQL coordinator could not ${what}: ${cause}`;

/** The cause when PostgreSQL did not answer in time. */
export const postgresNoAnswer = (timeoutMs: number): string =>
  `no answer within ${timeoutMs} ms`;

/** A bad `PostgresCoordinator` option. */
export const invalidPostgresCoordinatorOption = (
  option: string,
  value: unknown,
  expected: string,
): string =>
  `PostgresCoordinator: invalid ${option}: ${value !== null && typeof value === 'object' ? 'an object' : formatValue(value)} (expected ${expected})`;

/** An option `PostgresCoordinator` does not know. */
export const unknownPostgresCoordinatorOption = (
  option: string,
  known: readonly string[],
): string =>
  `PostgresCoordinator: unknown option ${formatValue(option)} (known: ${known.join(', ')})`;

// --- clock and scheduler (lib/clock, lib/scheduler) ---

/** `VirtualClock` asked to start at, or move to, an invalid or past instant. */
export const invalidClockTarget = (target: Date, now: Date | null): string =>
  !Number.isFinite(target.getTime()) || now === null
    ? `VirtualClock: invalid time ${formatValue(String(target))}`
    : `VirtualClock: cannot move to ${target.toISOString()}: it is before now (${now.toISOString()}); time only moves forward`;

/** `Scheduler.addTask` with a name already taken. */
export const taskNameTaken = (name: string): string =>
  `Duplicate task name "${name}": a task with this name is already registered; give one of them another name with { name: '...' }`;

/** `pauseGroup` / `resumeGroup` with a name no task uses. */
export const groupNotFound = (group: string): string =>
  `No group named "${group}" is registered`;

/** `runTask` refused because a run is going and the overlap policy drops new ones. */
export const taskBusy = (name: string, overlap: string): string =>
  `Task ${name} is already running (overlap: '${overlap}'), so this run was skipped`;

/** A requested run dropped because the scheduler is stopping. */
export const schedulerStopping = (name: string): string =>
  `Task ${name} was not run: the scheduler is stopping`;

/** The abort reason of a run cancelled by a newer one. */
export const runCancelled = (name: string): string =>
  `Task ${name}: run cancelled by a newer run (overlap: 'cancelOther')`;

/** The abort reason of a run still going when shutdown stopped waiting. */
export const runAbortedOnShutdown = (name: string, graceMs: number): string =>
  `Task ${name} was aborted: still running ${graceMs} ms after shutdown began`;

/** Logged once when the coordinator starts failing. */
export const coordinatorUnavailable = (cause: unknown): string =>
  `Coordinator unavailable: ${cause instanceof Error ? cause.message : formatValue(cause)}; due runs are skipped on this replica until it answers again`;

/** Logged once when the coordinator answers again after failing. */
export const coordinatorRecovered = (): string =>
  'Coordinator reachable again; due runs are claimed normally';

/** Why a due run was skipped (`TaskEvent.reason`). */
export const skipReasons = {
  running: 'the previous run is still running',
  buffered: 'a run is already waiting (overlap: bufferOne)',
  replaced: 'replaced by a newer run (overlap: cancelOther)',
  paused: 'paused',
  late: 'missed: a later due time had already passed when the scheduler woke up',
  claimed: 'claimed by another replica',
  runningElsewhere: 'a run of the task is still in flight on another replica',
} as const;

/** An `at` trigger found no due time in the days it searches (only a zone with broken rules could cause it). */
export const atNoDueTime = (timeZone: string): string =>
  `no due time found for the at trigger in ${timeZone} within 8 days; the zone's rules look broken`;

/** Why due times were skipped in bulk after a very late wake-up: one event for `count` of them, from its `scheduledAt` on. */
export const lateSkips = (count: number): string =>
  `late (${count} due times missed from this one on: later due times had already passed when the scheduler woke up)`;

// --- HTTP endpoints and dashboard (lib/http) ---

/** Logged at startup when `AioClockHttpModule.register()` got no guards. */
export const httpUnprotected = (path: string): string =>
  `AioClockHttpModule: the endpoints at /${path} have no guards: anyone who can reach this server can list, run, pause and resume tasks. Pass guards: [YourAdminGuard] to AioClockHttpModule.register() (a global APP_GUARD covers them too)`;

/** A state-changing request a browser sent from another site (cross-site request forgery). */
export const crossSiteRequest = (): string =>
  'Cross-site requests cannot run, pause or resume tasks; send them from the dashboard or from a non-browser client';

/** A bad `limit` given to `registry.getHistory`. */
export const invalidHistoryLimit = (task: string, limit: unknown): string =>
  `getHistory(${JSON.stringify(task)}): invalid limit: ${formatValue(limit)} (expected a number >= 0)`;
