// Every user-facing message, as a small function returning a string, so tests
// can assert on exact messages and wording stays consistent.

import { describeError, describeValue } from './errors/describe-error';

export * from './runtime.messages';

/** Renders a bad value the way a user typed it: strings quoted, objects as JSON. Never throws. */
export function formatValue(value: unknown): string {
  return describeValue(value);
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

/** Any value: the registry's callers may pass a non-string name (a Symbol would throw in a template). */
export const taskNotFound = (name: unknown): string =>
  `No task named ${formatValue(name)} is registered`;

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

export const rescheduleWithOptions = (keys: readonly string[]): string =>
  `reschedule changes the trigger only: its task options (${keys.join(', ')}) would not apply; give the trigger alone (remove the task and add it again to change its options)`;

export const groupOptionsClash = (
  group: string,
  option: string,
  first: string,
  second: string,
): string =>
  `group "${group}" has two different ${option} options: AioClockModule.forFeature() in ${first} and in ${second} name it (give the options in one module only, or the same in both)`;

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

/** What a duration option above Node's timer limit is told (`setTimeout` would make it 1 ms). */
export const beyondTimerLimit = (limitMs: number): string =>
  `at most ${limitMs} ms, Node's timer limit (about 24.8 days)`;

/** Two `AioClockModule.forRoot()` imports: which one schedules. */
export const forRootImportedTwice = (): string =>
  "AioClockModule.forRoot() is imported more than once; the root module's own import (else the first one Nest registers) schedules every task with its options, the others are ignored";

/** A trigger decorator put on something that is not a method. */
export const methodsOnly = (decorator: string): string =>
  `@${decorator} decorates methods only`;

/** One module importing `forFeature` twice with different options. */
export const forFeatureImportedTwice = (
  moduleName: string,
  first: unknown,
  second: unknown,
): string =>
  `${moduleName} imports AioClockModule.forFeature() twice with different options (${formatValue(first)} and ${formatValue(second)}); a module forms one group: give its options once`;

/** HTTP: a task route asked to change a durable schedule's task. */
export const scheduleTaskRoute = (task: string, route: string): string =>
  `${formatValue(task)} is a durable schedule's task: use ${route} instead`;

/** A trigger decorator on a static method or a symbol-named one: discovery reaches neither. */
export const instanceMethodsOnly = (decorator: string): string =>
  `@${decorator} decorates instance methods with a string name only (Nest calls methods of the instances it builds, found by name)`;

/** A decorator's params naming a key the decorator sets itself (`type`, an `or`'s `triggers`). */
export const reservedParameter = (
  decorator: string,
  parameter: string,
  value: unknown,
): string =>
  `${decorator}() sets "${parameter}" itself; it is not a parameter (got ${describeValue(value)})`;

/** `registry.addTask` of a startup or shutdown task once that moment has passed. */
export const lifecycleTaskTooLate = (
  task: string,
  kind: 'startup' | 'shutdown',
): string =>
  kind === 'startup'
    ? `${task}: a startup trigger added after the scheduler started would never run (startup tasks run once, before the others); use Once() to run it now`
    : `${task}: a shutdown trigger added while the scheduler shuts down would never run`;

/** A task option that would do nothing for the task's trigger kind. */
export const optionNotForTrigger = (
  task: string,
  option: string,
  triggerType: string,
): string =>
  `${task}: option "${option}" does not apply to a ${triggerType} task (${
    triggerType === 'forever'
      ? 'it loops, with no due times'
      : `it runs once at ${triggerType}`
  }); remove it`;

export const taskFailed = (task: string, error: unknown): string =>
  `Task ${task} failed: ${describeError(error)}`;

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

/** A `claimTimeoutMs` so long that a lease of twice it would pass Node's timer limit. */
export const claimBeyondHalfTimerLimit = (limitMs: number): string =>
  `at most ${Math.floor(limitMs / 2)} ms, so a lease of twice it stays within Node's timer limit`;

// --- PostgreSQL coordination (lib/coordination/postgres.coordinator.ts) ---

/** A PostgresCoordinator call that could not be decided: what was asked, and why. */
export const postgresCoordinationFailed = (
  what: string,
  cause: string,
): string => `PostgreSQL coordinator could not ${what}: ${cause}`;

/** The cause when PostgreSQL did not answer in time. */
export const postgresNoAnswer = (timeoutMs: number): string =>
  `no answer within ${timeoutMs} ms`;

/** The cause when no pool connection came in time: the statement was kept back. */
export const postgresNoConnection = (timeoutMs: number): string =>
  `no pool connection within ${timeoutMs} ms (not sent)`;

/** A bad `PostgresCoordinator` option. */
export const invalidPostgresCoordinatorOption = (
  option: string,
  value: unknown,
  expected: string,
): string =>
  `PostgresCoordinator: invalid ${option}: ${value !== null && typeof value === 'object' ? 'an object' : formatValue(value)} (expected ${expected})`;

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
export const groupNotFound = (group: unknown): string =>
  `No group named ${formatValue(group)} is registered`;

/** `runTask` refused because a run is going and the overlap policy drops new ones. */
export const taskBusy = (name: string, overlap: string): string =>
  `Task ${name} is already running (overlap: '${overlap}'), so this run was skipped`;

/** A requested run dropped because the scheduler is stopping. */
export const schedulerStopping = (name: string): string =>
  `Task ${name} was not run: the scheduler is stopping`;

/** The abort reason of a run cancelled by a newer one. */
export const runCancelled = (name: string): string =>
  `Task ${name}: run cancelled by a newer run (overlap: 'cancelOther')`;

/** Why a run cancelled by a newer one was given up on: it ignored its signal for the grace period. */
export const runAbandoned = (name: string, graceMs: number): string =>
  `Task ${name}: the cancelled run still had not ended ${graceMs} ms after its signal was aborted (overlap: 'cancelOther'); it is abandoned (code that ignores its signal keeps running in the background) and the newer run starts`;

/** The abort reason of a run still going when shutdown stopped waiting. */
export const runAbortedOnShutdown = (name: string, graceMs: number): string =>
  `Task ${name} was aborted: still running ${graceMs} ms after shutdown began`;

/** Logged once when the coordinator starts failing. */
export const coordinatorUnavailable = (cause: unknown): string =>
  `Coordinator unavailable: ${describeError(cause)}; due runs are skipped on this replica until it answers again`;

/** Logged once when the coordinator answers again after failing. */
export const coordinatorRecovered = (): string =>
  'Coordinator reachable again; due runs are claimed normally';

/** Logged once per wall-clock step the scheduler noticed (`jumpMs` < 0: stepped back). */
export const wallClockJumped = (jumpMs: number): string =>
  `The system clock was stepped ${jumpMs < 0 ? 'back' : 'forward'} by ${Math.abs(Math.round(jumpMs))} ms: @Every tasks keep their rhythm in elapsed time, @At and @Cron tasks follow the new wall time`;

/** Why a due run was skipped (`TaskEvent.reason`). */
export const skipReasons = {
  running: 'the previous run is still running',
  buffered: 'a run is already waiting (overlap: bufferOne)',
  replaced: 'replaced by a newer run (overlap: cancelOther)',
  paused: 'paused',
  late: 'missed: a later due time had already passed when the scheduler woke up',
  claimed: 'claimed by another replica',
  runningElsewhere: 'a run of the task is still in flight on another replica',
  heldFull:
    'too many due times already wait for a run on another replica to end (overlap: bufferAll)',
  groupBusy:
    "its group is at its concurrency limit and a run of this task already waits for a slot (overlap: 'allow')",
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

/** The dashboard's overview while the coordinator's history cannot be read: it shows this replica's runs. */
export const dashboardLocalHistory = (cause: string): string =>
  `The cluster's run history cannot be read (${cause}); showing this replica's own runs`;

/** How messages about `registry.getHistory`'s arguments name the call. */
export const historyQueryOwner = (task: unknown): string =>
  `getHistory(${formatValue(task)})`;

/** A bad `limit` given to `registry.getHistory`. */
export const invalidHistoryLimit = (task: unknown, limit: unknown): string =>
  `${historyQueryOwner(task)}: invalid limit: ${formatValue(limit)} (expected a whole number >= 0, or Infinity)`;

// --- run policies (lib/scheduler/run-policies.ts and its helpers) ---

/** Logged (warn) when a failed try will be tried again. */
export const retryingRun = (
  task: string,
  attempt: number,
  attempts: number,
  delayMs: number,
  error: unknown,
): string =>
  `Task ${task} failed (attempt ${attempt} of ${attempts}), retrying in ${delayMs} ms: ${describeError(error)}`;

/** Logged when a retry is not made: it would not start before the task's next due time. */
export const retryPastNextDue = (
  task: string,
  attempt: number,
  attempts: number,
  retryAt: number,
  nextDue: number,
): string =>
  `Task ${task}: no retry after attempt ${attempt} of ${attempts}: it would start at ${new Date(retryAt).toISOString()}, not before the next due time ${new Date(nextDue).toISOString()}`;

/** `TaskInfo.pausedReason` and the warning logged once when `pauseOnFailure` pauses a task. */
export const pausedOnFailure = (
  task: string,
  failures: number,
  error: unknown,
): string =>
  `Task ${task} paused itself after ${failures} consecutive failed runs (pauseOnFailure); last error: ${describeError(error)}. Resume it to try again`;

/** `jitter` not below the task's period. */
export const jitterNotBelowPeriod = (periodMs: number): string =>
  `a number of milliseconds below the task's period (${periodMs} ms)`;

/** `backfill` with a bad range. */
export const invalidBackfill = (
  task: string,
  what: string,
  value: unknown,
  expected: string,
): string =>
  `${task}: invalid backfill ${what}: ${formatValue(value)} (expected ${expected})`;

/** `backfill` of a range with too many due times. */
export const backfillTooLong = (task: string, limit: number): string =>
  `${task}: invalid backfill range: more than ${limit} due times (backfill at most ${limit} at once)`;

/** `backfill` of a task that has no due times to fire (not an every, at, cron or or trigger). */
export const backfillNotTimed = (task: string, type: string): string =>
  `${task}: cannot backfill a task with a ${type} trigger (only every, at, cron and or triggers have due times)`;

/** `POST …/tasks/:name/backfill` whose body is not `{ from, to }` as strings. */
export const backfillBody = (body: unknown): string =>
  `invalid backfill body: ${formatValue(body)} (expected { "from": "<ISO date>", "to": "<ISO date>" })`;

// --- Catch-up of due times missed while no replica ran a task (lib/scheduler/missed-catch-up.ts) ---

/** The `error` of a `missed` history record. */
export const missedReason =
  'missed: no replica ran the task at this due time, and catchUp does not bring it back';

/** Logged once per take-over batch that found missed due times. */
export const catchUpSummary = (
  tasks: number,
  fired: number,
  missed: number,
): string =>
  `Catch-up after taking over ${tasks} task(s): firing ${fired} missed due time(s), ${missed} recorded as missed`;

/** Logged for a task whose missed due times were too many to record each. */
export const missedNotRecorded = (
  task: string,
  count: number,
  exact: boolean,
  recorded: number,
): string =>
  `Task ${task}: ${exact ? '' : 'at least '}${count} more missed due time(s) not run; only the ${recorded} most recent are recorded as missed`;

/** Logged when the take-over read failed: nothing is caught up for those tasks. */
export const catchUpReadFailed = (tasks: number, cause: unknown): string =>
  `Catch-up skipped for ${tasks} task(s) taken over: ${describeError(cause)}`;
