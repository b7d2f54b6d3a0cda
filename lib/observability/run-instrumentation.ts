import type * as OtelApiModule from '@opentelemetry/api';
import { isInstance } from '../errors/is-instance';
import { detectOpenTelemetry, loadOpenTelemetryApi } from './otel.loader';
import type { OtelApi } from './otel.loader';
import { runOutcomeOf } from './run-outcome-of';
import {
  ATTR_ATTEMPT,
  ATTR_CATCH_UP,
  ATTR_GROUP,
  ATTR_LATENESS_MS,
  ATTR_REPLICA,
  ATTR_SCHEDULED_AT,
  ATTR_TASK,
  DURATION_BUCKETS_S,
  INSTRUMENTATION_SCOPE,
  METRIC_ACTIVE,
  METRIC_DURATION,
  METRIC_LATENESS,
  METRIC_RUNS,
  SPAN_NAME_PREFIX,
  type OpenTelemetryMode,
  type RunOutcome,
} from './observability.constants';

type Span = OtelApiModule.Span;
type Context = OtelApiModule.Context;
type Attributes = OtelApiModule.Attributes;

/** How `RunInstrumentation.create` is set up. */
export interface RunInstrumentationOptions {
  /** `false` never, `true` whenever the api is installed, `'auto'` when an SDK is registered. */
  mode: OpenTelemetryMode;
  /** This process's replica id (`aioclock.replica`). */
  replica: string;
  /**
   * Stamp spans with the scheduler's clock (a `VirtualClock`) instead of
   * OpenTelemetry's own high-resolution time. @default false
   */
  clockTimes?: boolean;
  /**
   * The `@opentelemetry/api` module, or `null` for "not installed"; tests pass
   * one. Otherwise it is required lazily. (Typed loosely so these declarations
   * never need the optional peer.)
   */
  api?: unknown;
  /** Where an error thrown by the SDK while ending a run goes. @default ignored */
  onError?: (error: unknown) => void;
}

/**
 * One task's metric attribute sets, made once (a run allocates none), and
 * its run counts, which the meter reads when it collects.
 */
class TaskLabels {
  readonly base: Attributes;
  private readonly byOutcome = new Map<RunOutcome, Attributes>();
  /** Runs in flight. */
  active = 0;
  /** Ended runs and skipped due times so far, per outcome. */
  readonly counts = new Map<RunOutcome, number>();

  constructor(
    readonly task: string,
    readonly group: string,
  ) {
    this.base = { task, group };
  }

  count(outcome: RunOutcome, n: number): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + n);
  }

  outcome(outcome: RunOutcome): Attributes {
    let attributes = this.byOutcome.get(outcome);
    if (attributes === undefined) {
      attributes = { task: this.task, group: this.group, outcome };
      this.byOutcome.set(outcome, attributes);
    }
    return attributes;
  }
}

/** The instruments a run's trace reports to; shared by every run of a scheduler. */
interface RunTools {
  readonly api: OtelApi;
  readonly duration: OtelApiModule.Histogram | null;
  readonly clockTimes: boolean;
  readonly onError: (error: unknown) => void;
}

/**
 * One run's span and start, from `RunInstrumentation.begin` to `end`. The
 * scheduler keeps it on the run. An interface, so nothing of the
 * OpenTelemetry api shows in the library's declarations.
 */
export interface RunTrace {
  /** Calls the run's body inside the span's context, so spans it starts are its children. */
  run<T>(fn: () => T): T;
  /**
   * The run is over: ends the span (status ERROR and the exception recorded
   * unless it succeeded) and records its outcome and duration. Only the first
   * call counts.
   * @param outcome how it ended
   * @param endMs when, epoch ms by the scheduler's clock
   * @param error what it threw, for an outcome other than `succeeded`
   */
  end(outcome: RunOutcome, endMs: number, error?: unknown): void;
  /**
   * `end`, for the scheduler: works the outcome out and never throws (an SDK
   * error goes to `onError`).
   * @param failed it threw, rejected, timed out or was given up on
   * @param value what it returned or threw
   * @param cancelled the scheduler aborted it
   * @param endMs when, epoch ms by the scheduler's clock
   */
  settle(
    failed: boolean,
    value: unknown,
    cancelled: boolean,
    endMs: number,
  ): void;
}

/**
 * The OpenTelemetry side of the runs: one span per run (`aioclock.run <task>`,
 * INTERNAL, the run's body executed in its context so the task's own spans are
 * its children) and the run metrics. Built once per scheduler start by
 * `create`, which returns `null` when there is nothing to report to: the
 * scheduler's per-run cost is then one null check. Only the api is used, so
 * whichever SDK the app registered receives the data.
 */
export class RunInstrumentation {
  private readonly tracer;
  private readonly tools: RunTools;
  private readonly lateness;
  private readonly labels = new Map<string, TaskLabels>();
  /** Every task's labels ever made, for the meter's callbacks (counts never go back). */
  private readonly allLabels: TaskLabels[] = [];
  private lastDueMs = NaN;
  private lastDueIso = '';

  private constructor(
    private readonly api: OtelApi,
    tracing: boolean,
    metrics: boolean,
    private readonly replica: string,
    private readonly clockTimes: boolean,
    onError: (error: unknown) => void,
  ) {
    this.tracer = tracing ? api.trace.getTracer(INSTRUMENTATION_SCOPE) : null;
    const meter = metrics ? api.metrics.getMeter(INSTRUMENTATION_SCOPE) : null;
    this.tools = {
      api,
      clockTimes,
      onError,
      duration:
        meter?.createHistogram(METRIC_DURATION, {
          description: 'How long runs took, from start to end',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
        }) ?? null,
    };
    this.lateness =
      meter?.createHistogram(METRIC_LATENESS, {
        description: 'How long after their due time runs started',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
      }) ?? null;
    if (meter === null) return;
    // Asynchronous instruments: a run adds to plain fields and the meter
    // reads them when it collects. A synchronous instrument hashes its
    // attributes on every call: with four calls per run that was most of a
    // run's cost (profiled, bench/README.md).
    meter
      .createObservableCounter(METRIC_RUNS, {
        description: 'Runs that ended, and due times that did not run',
        unit: '{run}',
      })
      .addCallback((result) => {
        for (const labels of this.allLabels)
          for (const [outcome, n] of labels.counts)
            result.observe(n, labels.outcome(outcome));
      });
    meter
      .createObservableUpDownCounter(METRIC_ACTIVE, {
        description: 'Runs in flight',
        unit: '{run}',
      })
      .addCallback((result) => {
        for (const labels of this.allLabels)
          result.observe(labels.active, labels.base);
      });
  }

  /**
   * Decides once whether runs are instrumented.
   * @returns the instrumentation, or `null` when the mode is `false`, the api
   *   is not installed, or (`'auto'`) no SDK has registered a provider
   */
  static create(options: RunInstrumentationOptions): RunInstrumentation | null {
    if (options.mode === false) return null;
    const api =
      options.api !== undefined
        ? (options.api as OtelApi | null)
        : loadOpenTelemetryApi();
    const found = detectOpenTelemetry(api);
    if (found.api === null) return null;
    // `true`: spans go to the api's global tracer even if an SDK registers
    // only later (it is a proxy); meters are not proxies, so metrics need one now.
    const tracing = options.mode === true || found.tracing;
    if (!tracing && !found.metrics) return null;
    return new RunInstrumentation(
      found.api,
      tracing,
      found.metrics,
      options.replica,
      options.clockTimes === true,
      options.onError ?? (() => undefined),
    );
  }

  /** Whether runs get spans (a tracer provider is registered, or tracing was forced on). */
  get tracing(): boolean {
    return this.tracer !== null;
  }

  /**
   * A run starts: opens its span and counts it as active.
   * @param task the task's name (a durable schedule passes its handler's: ids are unbounded)
   * @param group the task's group
   * @param scheduledMs the due time, epoch ms
   * @param startedMs when it starts, epoch ms (by the scheduler's clock)
   * @param requested `true` for a run someone asked for (`runTask`): its
   *   span is a child of the caller's; a scheduled run starts a trace
   * @param attempt 1-based try for this due time
   * @param catchUp a missed due time fired late
   * @param firstAttempt for a retry: the first attempt's trace, linked
   */
  begin(
    task: string,
    group: string,
    scheduledMs: number,
    startedMs: number,
    requested = false,
    attempt = 1,
    catchUp = false,
    firstAttempt: RunTrace | null = null,
  ): RunTrace {
    const labels = this.labelsOf(task, group);
    const latenessMs = Math.max(0, startedMs - scheduledMs);
    this.lateness?.record(latenessMs / 1000, labels.base);
    labels.active++;
    let span: Span | null = null;
    let context: Context | null = null;
    if (this.tracer !== null) {
      const api = this.api;
      const parent = requested ? api.context.active() : api.ROOT_CONTEXT;
      const first = (firstAttempt as SpanRunTrace | null)?.span ?? null;
      span = this.tracer.startSpan(
        SPAN_NAME_PREFIX + task,
        {
          kind: api.SpanKind.INTERNAL,
          startTime: this.clockTimes ? new Date(startedMs) : undefined,
          attributes: {
            [ATTR_TASK]: task,
            [ATTR_GROUP]: group,
            [ATTR_SCHEDULED_AT]: this.isoOf(scheduledMs),
            [ATTR_LATENESS_MS]: latenessMs,
            [ATTR_ATTEMPT]: attempt,
            [ATTR_REPLICA]: this.replica,
            [ATTR_CATCH_UP]: catchUp,
          },
          links:
            first !== null ? [{ context: first.spanContext() }] : undefined,
        },
        parent,
      );
      context = api.trace.setSpan(parent, span);
    }
    return new SpanRunTrace(this.tools, labels, span, context, startedMs);
  }

  /**
   * Due times that did not run — skipped (overlap, pause, late, another
   * replica's) or failed before starting (a coordinator outage) — are counted
   * under their outcome, never given a span.
   * @param task the task's name
   * @param group the task's group
   * @param outcome `'skipped'`, or `'failed'` for a claim that failed
   * @param count how many @default 1
   */
  notRun(
    task: string,
    group: string,
    outcome: RunOutcome = 'skipped',
    count = 1,
  ): void {
    this.labelsOf(task, group).count(outcome, count);
  }

  /** The due time in ISO 8601, remembered: the tasks of one due time share it. */
  private isoOf(ms: number): string {
    if (ms !== this.lastDueMs) {
      this.lastDueMs = ms;
      this.lastDueIso = new Date(ms).toISOString();
    }
    return this.lastDueIso;
  }

  private labelsOf(task: string, group: string): TaskLabels {
    let labels = this.labels.get(task);
    if (labels === undefined || labels.group !== group) {
      labels = new TaskLabels(task, group);
      this.labels.set(task, labels);
      this.allLabels.push(labels);
    }
    return labels;
  }
}

class SpanRunTrace implements RunTrace {
  private ended = false;

  constructor(
    private readonly tools: RunTools,
    private readonly labels: TaskLabels,
    /** Read by `begin` to link a retry to its first attempt. */
    readonly span: Span | null,
    private readonly context: Context | null,
    private readonly startedMs: number,
  ) {}

  settle(
    failed: boolean,
    value: unknown,
    cancelled: boolean,
    endMs: number,
  ): void {
    try {
      this.end(runOutcomeOf(failed, value, cancelled), endMs, value);
    } catch (error) {
      this.tools.onError(error);
    }
  }

  run<T>(fn: () => T): T {
    return this.context === null
      ? fn()
      : this.tools.api.context.with(this.context, fn);
  }

  end(outcome: RunOutcome, endMs: number, error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const { tools, labels, span } = this;
    labels.active--;
    labels.count(outcome, 1);
    tools.duration?.record(
      Math.max(0, endMs - this.startedMs) / 1000,
      labels.outcome(outcome),
    );
    if (span === null) return;
    if (outcome !== 'succeeded') {
      span.recordException(toException(error));
      span.setStatus({
        code: tools.api.SpanStatusCode.ERROR,
        message: messageOf(error),
      });
    }
    span.end(tools.clockTimes ? new Date(endMs) : undefined);
  }
}

function messageOf(error: unknown): string {
  try {
    return isInstance(error, Error) ? String(error.message) : String(error);
  } catch {
    return 'non-error value';
  }
}

/** What `recordException` takes: an Error as it is, anything else as its text. */
function toException(error: unknown): OtelApiModule.Exception {
  return isInstance(error, Error) ? error : messageOf(error);
}
