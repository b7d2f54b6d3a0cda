import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** How a benchmark process sets OpenTelemetry up before the app exists. */
export type OtelVariant =
  'no-api' | 'api' | 'sdk' | 'sdk-traces-only' | 'sdk-metrics-only';

/** Counts what reaches the exporters. */
export const exported = { spans: 0, metricBatches: 0 };

/**
 * Exports nowhere but does the work an exporter is handed (the batch), so the
 * figures are the instrumentation's and the SDK's cost, not a network's.
 */
const spanSink: SpanExporter = {
  export(spans, done) {
    exported.spans += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => undefined,
};
const metricSink: PushMetricExporter = {
  export(_metrics, done) {
    exported.metricBatches++;
    done({ code: 0 });
  },
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

/**
 * Hides `@opentelemetry/api` (`'no-api'`), leaves it installed with no SDK
 * (`'api'`), or registers an SDK as an app would in production (`'sdk'`):
 * a BatchSpanProcessor (batches of 512; its queue raised from 2 048 to
 * 32 768 so that 10 000 spans ending in one burst are exported, not
 * dropped), a periodic metric reader (5 s) and an AsyncLocalStorage context
 * manager. The SDK is loaded only in the `'sdk…'` variants; the `…-only` ones
 * register one of the two providers.
 * @returns what to call to flush and stop the SDK
 */
export async function setUpOtel(
  variant: OtelVariant,
): Promise<() => Promise<void>> {
  if (variant === 'no-api') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require('node:module') as {
      _resolveFilename: (request: string, ...rest: unknown[]) => string;
    };
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request: string, ...rest: unknown[]) {
      if (request === '@opentelemetry/api')
        throw Object.assign(new Error(`Cannot find module '${request}'`), {
          code: 'MODULE_NOT_FOUND',
        });
      return resolve.call(this, request, ...rest);
    };
    return async () => undefined;
  }
  if (variant === 'api') return async () => undefined;
  const { context, metrics, trace } = await import('@opentelemetry/api');
  const { MeterProvider, PeriodicExportingMetricReader } =
    await import('@opentelemetry/sdk-metrics');
  const { BasicTracerProvider, BatchSpanProcessor } =
    await import('@opentelemetry/sdk-trace-base');
  const { AsyncLocalStorageContextManager } =
    await import('../sample/src/otel/async-local-storage.context-manager');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(spanSink, { maxQueueSize: 32_768 }),
    ],
  });
  if (variant !== 'sdk-metrics-only')
    trace.setGlobalTracerProvider(tracerProvider);
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: metricSink,
        exportIntervalMillis: 5_000,
      }),
    ],
  });
  if (variant !== 'sdk-traces-only')
    metrics.setGlobalMeterProvider(meterProvider);
  return async () => {
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  };
}
