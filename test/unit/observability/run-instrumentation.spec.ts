import * as api from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { RunInstrumentation } from '../../../lib/observability/run-instrumentation';
import { registerTestOtelSdk, type TestOtelSdk } from '../../src/otel/otel-sdk';

/** An HrTime [s, ns] in ms. */
const ms = ([s, ns]: api.HrTime): number => s * 1000 + ns / 1e6;

const DUE = Date.parse('2024-03-29T10:00:00Z');

const create = (mode: boolean | 'auto' = 'auto') =>
  RunInstrumentation.create({ mode, replica: 'r1', clockTimes: true, api });

describe('RunInstrumentation', () => {
  describe('when no SDK is registered', () => {
    it("should be off in 'auto' mode", () => {
      expect(create('auto')).toBeNull();
    });

    it('should be off when the api is absent, whatever the mode', () => {
      for (const mode of [true, 'auto'] as const)
        expect(
          RunInstrumentation.create({ mode, replica: 'r1', api: null }),
        ).toBeNull();
    });

    it('should be on when forced, and end runs without error', () => {
      const otel = create(true);
      expect(otel?.tracing).toBe(true);
      const run = otel!.begin('T.m', 'G', DUE, DUE + 5);
      expect(run.run(() => 42)).toBe(42);
      run.end('failed', DUE + 10, new Error('boom'));
    });
  });

  describe('when an SDK is registered', () => {
    let sdk: TestOtelSdk;
    beforeEach(() => (sdk = registerTestOtelSdk()));
    afterEach(() => sdk.shutdown());

    it('should be off when the mode is false', () => {
      expect(create(false)).toBeNull();
    });

    it('should open one INTERNAL span per run with the contract attributes and clock times', () => {
      const otel = create()!;
      const run = otel.begin(
        'Reports.daily',
        'reports',
        DUE,
        DUE + 250,
        false,
        2,
        true,
      );
      run.end('succeeded', DUE + 1250);
      run.end('failed', DUE + 9999, new Error('late second end is ignored'));

      const [span] = sdk.spans();
      expect(sdk.spans()).toHaveLength(1);
      expect(span.name).toBe('aioclock.run Reports.daily');
      expect(span.kind).toBe(SpanKind.INTERNAL);
      expect(span.instrumentationScope.name).toBe('nestjs-aioclock');
      expect(span.attributes).toEqual({
        'aioclock.task': 'Reports.daily',
        'aioclock.group': 'reports',
        'aioclock.scheduled_at': '2024-03-29T10:00:00.000Z',
        'aioclock.lateness_ms': 250,
        'aioclock.attempt': 2,
        'aioclock.replica': 'r1',
        'aioclock.catch_up': true,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.parentSpanContext).toBeUndefined();
      expect(ms(span.startTime)).toBe(DUE + 250);
      expect(ms(span.duration)).toBe(1000);
    });

    it('should set status ERROR and record the exception of a failed run', () => {
      const otel = create()!;
      otel
        .begin('T.m', 'G', DUE, DUE)
        .end('failed', DUE + 1, new TypeError('no mail'));
      otel.begin('T.m', 'G', DUE, DUE).end('timedOut', DUE + 1, 'a string');

      const [failed, timedOut] = sdk.spans();
      expect(failed.status).toEqual({
        code: SpanStatusCode.ERROR,
        message: 'no mail',
      });
      expect(failed.events.map((e) => [e.name, e.attributes])).toEqual([
        [
          'exception',
          expect.objectContaining({
            'exception.type': 'TypeError',
            'exception.message': 'no mail',
          }),
        ],
      ]);
      expect(timedOut.status).toEqual({
        code: SpanStatusCode.ERROR,
        message: 'a string',
      });
      expect(timedOut.events[0].attributes?.['exception.message']).toBe(
        'a string',
      );
    });

    it("should make spans the body starts the run span's children", async () => {
      const otel = create()!;
      const run = otel.begin('T.m', 'G', DUE, DUE);
      await run.run(async () => {
        await Promise.resolve();
        trace.getTracer('app').startSpan('SELECT 1').end();
      });
      run.end('succeeded', DUE + 1);

      const [child, parent] = sdk.spans();
      expect(child.name).toBe('SELECT 1');
      expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
    });

    it('should start a scheduled run as a root span, and a requested one under the caller', () => {
      const otel = create()!;
      const caller = trace.getTracer('app').startSpan('POST /run');
      api.context.with(trace.setSpan(api.context.active(), caller), () => {
        otel.begin('T.m', 'G', DUE, DUE).end('succeeded', DUE);
        otel.begin('T.m', 'G', DUE, DUE, true).end('succeeded', DUE);
      });
      caller.end();
      const [scheduled, requested] = sdk.spans();
      expect(scheduled.parentSpanContext).toBeUndefined();
      expect(requested.parentSpanContext?.spanId).toBe(
        caller.spanContext().spanId,
      );
    });

    it('should link a retry to its first attempt, in a separate span', () => {
      const otel = create()!;
      const first = otel.begin('T.m', 'G', DUE, DUE);
      first.end('failed', DUE + 10, new Error('flaky'));
      otel
        .begin('T.m', 'G', DUE, DUE + 1000, false, 2, false, first)
        .end('succeeded', DUE + 1010);

      const [one, two] = sdk.spans();
      expect(two.attributes['aioclock.attempt']).toBe(2);
      expect(two.spanContext().spanId).not.toBe(one.spanContext().spanId);
      expect(two.links.map((l) => l.context.spanId)).toEqual([
        one.spanContext().spanId,
      ]);
    });

    it('should count outcomes, skipped due times included, and record durations, lateness and active runs', async () => {
      const otel = create()!;
      const a = otel.begin('T.a', 'G', DUE, DUE + 500);
      const b = otel.begin('T.a', 'G', DUE + 1000, DUE + 1000);
      expect(
        await sdk.sum('aioclock.runs.active', { task: 'T.a', group: 'G' }),
      ).toBe(2);
      a.end('succeeded', DUE + 2500);
      b.end('failed', DUE + 1250, new Error('x'));
      otel.notRun('T.a', 'G');
      otel.notRun('T.a', 'G', 'skipped', 3);
      otel.notRun('T.a', 'G', 'failed');

      const runs = (outcome: string) =>
        sdk.sum('aioclock.runs', { task: 'T.a', group: 'G', outcome });
      expect(await runs('succeeded')).toBe(1);
      expect(await runs('failed')).toBe(2);
      expect(await runs('skipped')).toBe(4);
      expect(
        await sdk.sum('aioclock.runs.active', { task: 'T.a', group: 'G' }),
      ).toBe(0);
      const ok = await sdk.histogram('aioclock.run.duration', {
        task: 'T.a',
        group: 'G',
        outcome: 'succeeded',
      });
      expect([ok?.count, ok?.sum]).toEqual([1, 2]);
      const late = await sdk.histogram('aioclock.run.lateness', {
        task: 'T.a',
        group: 'G',
      });
      expect([late?.count, late?.sum]).toEqual([2, 0.5]);
    });

    it('should report metrics without spans when only a meter provider is registered', async () => {
      await sdk.shutdown();
      sdk = registerTestOtelSdk({ tracing: false });
      const otel = create()!;
      expect(otel.tracing).toBe(false);
      otel.begin('T.m', 'G', DUE, DUE).end('succeeded', DUE + 1);
      expect(sdk.spans()).toEqual([]);
      expect(
        await sdk.sum('aioclock.runs', {
          task: 'T.m',
          group: 'G',
          outcome: 'succeeded',
        }),
      ).toBe(1);
    });
  });
});

describe('RunInstrumentation with a failing SDK', () => {
  afterEach(() => {
    trace.disable();
  });

  it('should hand an error thrown while ending a span to onError, never to the caller', () => {
    const broken = new Error('exporter exploded');
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({
        spanProcessors: [
          {
            onStart: () => undefined,
            onEnd: () => {
              throw broken;
            },
            forceFlush: async () => undefined,
            shutdown: async () => undefined,
          },
        ],
      }),
    );
    const errors: unknown[] = [];
    const otel = RunInstrumentation.create({
      mode: 'auto',
      replica: 'r1',
      api,
      onError: (error) => errors.push(error),
    })!;
    const run = otel.begin('T.m', 'G', DUE, DUE);
    expect(() =>
      run.settle(true, new Error('task'), false, DUE + 1),
    ).not.toThrow();
    expect(errors).toEqual([broken]);
  });
});
