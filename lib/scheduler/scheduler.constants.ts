/**
 * How long a `@Forever` lease lasts under a coordinator that does not say
 * (`Coordinator.leaseTtlMs`), in ms. It is renewed every third of that, and a
 * replica without it asks again every half.
 */
export const FOREVER_LEASE_TTL_MS = 30_000;

/**
 * Once shutdown's grace period is over, how much longer (at most the grace
 * period itself) it waits in all for aborted runs, aborted `shutdown` tasks
 * and lease releases before giving up on them: `stop(graceMs)` resolves
 * within `graceMs` plus this.
 */
export const ABORT_SETTLE_MS = 1_000;

/**
 * After a late wake-up, how many missed due times of one task are reported as
 * one `skipped` event each; the rest (all counted in `skipped`) are reported
 * together in one more event, so hours of missed 10 ms ticks cost no flood.
 */
export const LATE_SKIP_EVENTS = 100;

/**
 * `warmUp` after start: with at least `WARM_UP_MIN_TASKS` timed tasks (below
 * that, dispatching a due time unoptimised costs a few ms at most), no-op
 * copies of the first `WARM_UP_TASKS` of them are fired `WARM_UP_ROUNDS`
 * times — enough runs for V8 to optimise the dispatch path — `WARM_UP_DELAY_MS`
 * after start (so that it is not part of the app's bootstrap), and only when
 * the earliest due time is at least `WARM_UP_LEAD_MS` away then (the warm-up,
 * tens of ms of CPU, must not delay it).
 */
export const WARM_UP_MIN_TASKS = 1_000;
/** See `WARM_UP_MIN_TASKS`. */
export const WARM_UP_TASKS = 1_000;
/** See `WARM_UP_MIN_TASKS`. */
export const WARM_UP_ROUNDS = 8;
/** See `WARM_UP_MIN_TASKS`. */
export const WARM_UP_DELAY_MS = 20;
/** See `WARM_UP_MIN_TASKS`. */
export const WARM_UP_LEAD_MS = 150;
/**
 * A due time between `WARM_UP_SHORT_LEAD_MS` and `WARM_UP_LEAD_MS` away gets
 * a short warm-up instead: `WARM_UP_SHORT_TASKS` copies fired
 * `WARM_UP_SHORT_ROUNDS` times (~20 ms against ~55; 10 000 tasks' first due
 * time then takes ~15 ms instead of ~40 unwarmed, and ~13 fully warmed).
 * With `@Cron('* * * * * *')` about one start in six meets it.
 */
export const WARM_UP_SHORT_LEAD_MS = 60;
/** See `WARM_UP_SHORT_LEAD_MS`. */
export const WARM_UP_SHORT_TASKS = 500;
/** See `WARM_UP_SHORT_LEAD_MS`. */
export const WARM_UP_SHORT_ROUNDS = 5;
/** The warm-up stops opening history rings this long before the first due time. */
export const WARM_UP_RINGS_MARGIN_MS = 5;

/**
 * How many scheduled runs of one `overlap: 'allow'` task may wait for a slot
 * in a group at its `concurrency` limit; further due runs are skipped
 * (reason `groupBusy`). Without a bound a task slower than its interval
 * queues without end and starves the group's other tasks.
 */
export const GROUP_WAITING_PER_TASK = 1;

/**
 * Within one dispatch pass (the runs of one timer wake-up, one after the
 * other), the clock is read once at the start and again every this many runs
 * (a power of two); the runs in between share that reading as their
 * `startedAt` and `lastRunAt`. A clock read costs ~0.2 µs on a VM, as much as
 * a fifth of a whole run; 64 runs of a few µs each is well under a
 * millisecond, so `startedAt` stays within a millisecond of the true start
 * unless a synchronous task body blocks for longer (then the runs after it in
 * the same 64 share the reading from before it).
 */
export const PASS_CLOCK_RUNS = 64;

/**
 * Under `overlap: 'cancelOther'`, how long a run whose signal a newer run
 * aborted may take to end, in ms. A run still going then is abandoned (counted
 * as failed, with a warning naming the task) and the newer run starts, so a
 * run that ignores its signal cannot hold the task back for good.
 */
export const CANCEL_OTHER_GRACE_MS = 1_000;

/**
 * Under a durable coordinator, how often an owner holding a due time
 * (`bufferOne`, `bufferAll`, `cancelOther`) while the task runs on another
 * replica claims it again, in ms. A fallback: the other replica announces
 * the end of its run, which claims it at once.
 */
export const CLUSTER_HELD_RETRY_MS = 1_000;

/**
 * Under `bufferAll` and a durable coordinator, at most this many due times
 * wait for a run on another replica; more are skipped. Bounds an owner's
 * memory while another replica's run hangs.
 */
export const CLUSTER_HELD_MAX = 1_000;

/**
 * A wall-clock step the scheduler acts on: between two wake-ups the wall time
 * moved this many ms more (or less) than the elapsed (monotonic) time, plus
 * 0.1 % of the elapsed time for the slewing NTP may do meanwhile.
 */
export const WALL_JUMP_MIN_MS = 1_000;
