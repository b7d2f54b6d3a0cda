// Names fixed by the API contract ("Observability"): dashboards and alerts
// are built on them, so they change only with a major version.

/** Tracer and meter name. */
export const INSTRUMENTATION_SCOPE = 'nestjs-aioclock';

/** A run's span is named this plus the task's name. */
export const SPAN_NAME_PREFIX = 'aioclock.run ';

export const ATTR_TASK = 'aioclock.task';
export const ATTR_GROUP = 'aioclock.group';
/** ISO 8601 due time. */
export const ATTR_SCHEDULED_AT = 'aioclock.scheduled_at';
export const ATTR_LATENESS_MS = 'aioclock.lateness_ms';
export const ATTR_ATTEMPT = 'aioclock.attempt';
export const ATTR_REPLICA = 'aioclock.replica';
export const ATTR_CATCH_UP = 'aioclock.catch_up';

/** Counter {task, group, outcome}. */
export const METRIC_RUNS = 'aioclock.runs';
/** Histogram in seconds {task, group, outcome}. */
export const METRIC_DURATION = 'aioclock.run.duration';
/** Histogram in seconds {task, group}. */
export const METRIC_LATENESS = 'aioclock.run.lateness';
/** Up-down counter {task, group}. */
export const METRIC_ACTIVE = 'aioclock.runs.active';

/**
 * Bucket bounds (s) for duration and lateness: scheduled work spans
 * milliseconds to minutes, which the SDK's default bounds (made for request
 * latencies in ms) would lump into a few buckets.
 */
export const DURATION_BUCKETS_S = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
  300, 600, 1800, 3600,
];

/** How a run ended, or that its due time was skipped: `RunRecord.outcome`'s values. */
export type RunOutcome =
  'succeeded' | 'failed' | 'timedOut' | 'cancelled' | 'skipped' | 'missed';

/**
 * `AioClockOptions.openTelemetry`: `'auto'` instruments when an SDK has
 * registered a provider by the time the scheduler starts; `true` whenever
 * `@opentelemetry/api` is installed; `false` never.
 */
export type OpenTelemetryMode = boolean | 'auto';
