import * as api from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AioClockRegistry } from '../../../lib';
import { createTestApp, type TestApp } from '../../src/create-app';
import { otelAppImports, RetriedModule } from '../../src/otel/otel.tasks';
import { registerTestOtelSdk, type TestOtelSdk } from '../../src/otel/otel-sdk';

const START = '2024-03-29T10:00:00Z';
const at = (s: number) => new Date(Date.parse(START) + s * 1000);
const ms = ([s, ns]: api.HrTime): number => s * 1000 + ns / 1e6;

describe('OpenTelemetry spans and metrics per run', () => {
  let sdk: TestOtelSdk | undefined;
  let test: TestApp | undefined;

  afterEach(async () => {
    await test?.app.close();
    await sdk?.shutdown();
    test = sdk = undefined;
  });

  describe('when an SDK is registered', () => {
    /** 32 virtual seconds: due times at 10, 20 and 30 s, the last runs ended. */
    async function run32s(): Promise<TestApp> {
      sdk = registerTestOtelSdk();
      test = await createTestApp({ imports: otelAppImports() }, START);
      await test.clock.advance(32_000);
      return test;
    }
    const runSpans = (name: string): ReadableSpan[] =>
      sdk!.spans().filter((s) => s.name === `aioclock.run ${name}`);

    it('should give each run one INTERNAL root span with the contract attributes, at the clock times', async () => {
      await run32s();
      const spans = runSpans('otel.fail');
      expect(spans).toHaveLength(3);
      const first = spans[0];
      expect(first.kind).toBe(SpanKind.INTERNAL);
      expect(first.instrumentationScope.name).toBe('nestjs-aioclock');
      expect(first.parentSpanContext).toBeUndefined();
      expect(first.attributes).toEqual({
        'aioclock.task': 'otel.fail',
        'aioclock.group': 'traced',
        'aioclock.scheduled_at': '2024-03-29T10:00:10.000Z',
        'aioclock.lateness_ms': 1500, // waited for otel.ok's slot
        'aioclock.attempt': 1,
        'aioclock.replica': expect.stringMatching(/^.+:\d+$/),
        'aioclock.catch_up': false,
      });
      expect(ms(first.startTime)).toBe(at(11.5).getTime());
      const ok = runSpans('otel.ok')[0];
      expect([ms(ok.startTime), ms(ok.endTime)]).toEqual([
        at(10).getTime(),
        at(11.5).getTime(),
      ]);
      // Each run is its own trace.
      expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(3);
    });

    it('should make the spans a task starts children of its run span', async () => {
      await run32s();
      const queries = sdk!.spans().filter((s) => s.name === 'db.query');
      const runs = runSpans('otel.ok');
      expect(queries).toHaveLength(3);
      expect(queries.map((q) => q.parentSpanContext?.spanId)).toEqual(
        runs.map((r) => r.spanContext().spanId),
      );
    });

    it('should set status ERROR and record the exception of a failed or timed-out run', async () => {
      await run32s();
      const failed = runSpans('otel.fail')[0];
      expect(failed.status).toEqual({
        code: SpanStatusCode.ERROR,
        message: 'mail server down',
      });
      expect(failed.events).toMatchObject([
        {
          name: 'exception',
          attributes: { 'exception.message': 'mail server down' },
        },
      ]);
      const [timedOut] = runSpans('otel.stuck');
      expect(timedOut.status.code).toBe(SpanStatusCode.ERROR);
      expect(timedOut.events[0].attributes?.['exception.type']).toBe(
        'TaskTimeoutError',
      );
      expect(ms(timedOut.endTime)).toBe(at(25).getTime());
      expect(runSpans('otel.ok')[0].status.code).toBe(SpanStatusCode.UNSET);
    });

    it('should count outcomes and record durations, lateness and active runs', async () => {
      await run32s();
      const traced = (
        task: string,
        outcome?: string,
      ): Record<string, string> =>
        outcome === undefined
          ? { task, group: 'traced' }
          : { task, group: 'traced', outcome };
      expect(
        await sdk!.sum('aioclock.runs', traced('otel.ok', 'succeeded')),
      ).toBe(3);
      expect(
        await sdk!.sum('aioclock.runs', traced('otel.fail', 'failed')),
      ).toBe(3);
      const stuck = (outcome: string) => ({
        task: 'otel.stuck',
        group: 'stuck',
        outcome,
      });
      // Due at 10 s: timed out at 25 s; due at 20 s: skipped (still running); due at 30 s: running.
      expect(await sdk!.sum('aioclock.runs', stuck('timedOut'))).toBe(1);
      expect(await sdk!.sum('aioclock.runs', stuck('skipped'))).toBe(1);
      expect(
        await sdk!.sum('aioclock.runs.active', {
          task: 'otel.stuck',
          group: 'stuck',
        }),
      ).toBe(1);
      expect(await sdk!.sum('aioclock.runs.active', traced('otel.ok'))).toBe(0);

      const duration = await sdk!.histogram(
        'aioclock.run.duration',
        traced('otel.ok', 'succeeded'),
      );
      expect([duration?.count, duration?.sum]).toEqual([3, 4.5]);
      const late = await sdk!.histogram(
        'aioclock.run.lateness',
        traced('otel.fail'),
      );
      expect([late?.count, late?.sum]).toEqual([3, 4.5]);
      const onTime = await sdk!.histogram(
        'aioclock.run.lateness',
        traced('otel.ok'),
      );
      expect([onTime?.count, onTime?.sum]).toEqual([3, 0]);
    });

    it('should give each retry its own span, linked to the first attempt', async () => {
      sdk = registerTestOtelSdk();
      test = await createTestApp(
        { imports: [...otelAppImports(), RetriedModule] },
        START,
      );
      await test.clock.advance(13_000);
      const spans = runSpans('otel.retried');
      expect(spans.map((s) => s.attributes['aioclock.attempt'])).toEqual([
        1, 2, 3,
      ]);
      expect(spans.map((s) => s.status.code)).toEqual([
        SpanStatusCode.ERROR,
        SpanStatusCode.ERROR,
        SpanStatusCode.UNSET,
      ]);
      const first = spans[0].spanContext();
      expect(spans[0].links).toEqual([]);
      for (const retry of spans.slice(1)) {
        expect(retry.links.map((l) => l.context.spanId)).toEqual([
          first.spanId,
        ]);
        expect(retry.links[0].context.traceId).toBe(first.traceId);
        // A separate span: not a child of the first try.
        expect(retry.parentSpanContext).toBeUndefined();
      }
    });

    it("should make a requested run's span a child of the caller's span", async () => {
      sdk = registerTestOtelSdk();
      test = await createTestApp({ imports: otelAppImports() }, START);
      const registry = test.app.get(AioClockRegistry);
      const caller = trace.getTracer('app').startSpan('POST /run');
      await api.context.with(trace.setSpan(api.context.active(), caller), () =>
        expect(registry.runTask('otel.fail')).rejects.toThrow('mail server'),
      );
      caller.end();
      const [run] = runSpans('otel.fail');
      expect(run.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
      expect(run.spanContext().traceId).toBe(caller.spanContext().traceId);
    });

    it('should emit nothing when openTelemetry is false', async () => {
      sdk = registerTestOtelSdk();
      test = await createTestApp(
        { imports: otelAppImports({ openTelemetry: false }) },
        START,
      );
      await test.clock.advance(12_000);
      expect(test.app.get(AioClockRegistry).getTask('otel.ok').runs).toBe(1);
      expect(runSpans('otel.ok')).toEqual([]);
      expect(
        await sdk.sum('aioclock.runs', {
          task: 'otel.ok',
          group: 'traced',
          outcome: 'succeeded',
        }),
      ).toBe(0);
    });
  });

  describe('when no SDK is registered', () => {
    it('should run tasks as before, without touching the tracer or the context', async () => {
      const getTracer = jest.spyOn(api.trace, 'getTracer');
      const getMeter = jest.spyOn(api.metrics, 'getMeter');
      const withContext = jest.spyOn(api.context, 'with');
      try {
        test = await createTestApp({ imports: otelAppImports() }, START);
        await test.clock.advance(32_000);
        const registry = test.app.get(AioClockRegistry);
        expect(registry.getTask('otel.ok').runs).toBe(3);
        expect(registry.getTask('otel.fail').failures).toBe(3);
        // The tasks' own db.query spans go through getTracer('app'): ours never asked.
        expect(
          getTracer.mock.calls.filter(([name]) => name === 'nestjs-aioclock'),
        ).toEqual([]);
        expect(getMeter).not.toHaveBeenCalled();
        // Only the tasks' own startActiveSpan (once per otel.ok run) entered a context.
        expect(withContext).toHaveBeenCalledTimes(
          registry.getTask('otel.ok').runs,
        );
        expect(
          test.logger
            .aioclock('error')
            .map((e) => e.message)
            .filter((m) => !m.includes('mail server down')),
        ).toEqual([
          'Task otel.stuck failed: Task otel.stuck timed out after 15000 ms',
        ]);
      } finally {
        jest.restoreAllMocks();
      }
    });

    it('should decide at bootstrap: an SDK registered later gets no run spans', async () => {
      test = await createTestApp({ imports: otelAppImports() }, START);
      sdk = registerTestOtelSdk();
      await test.clock.advance(12_000);
      expect(sdk.spans().map((s) => s.name)).toEqual(['db.query']);
    });
  });
});
