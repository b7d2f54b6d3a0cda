import { context, metrics, trace } from '@opentelemetry/api';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '../../../sample/src/otel/async-local-storage.context-manager';

/** Collects on demand (`collect()`): the specs read metric values after a known sequence of runs. */
class PullMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** A real SDK registered globally, with in-memory span export and on-demand metric reads. */
export interface TestOtelSdk {
  /** The ended spans, in the order they ended. */
  spans(): ReadableSpan[];
  /** A counter's value for exactly these attributes (0 when absent). */
  sum(name: string, attributes: Record<string, string>): Promise<number>;
  /** A histogram's point for exactly these attributes. */
  histogram(
    name: string,
    attributes: Record<string, string>,
  ): Promise<Histogram | undefined>;
  /** Unregisters everything, so the next spec starts without an SDK. */
  shutdown(): Promise<void>;
}

const sameAttributes = (
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): boolean =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.keys(a).every((key) => a[key] === b[key]);

/**
 * Registers a tracer provider (in-memory exporter, simple processor), a meter
 * provider (pull reader) and an AsyncLocalStorage context manager.
 * @param parts which providers to register @default both
 */
export function registerTestOtelSdk(
  parts: { tracing?: boolean; metrics?: boolean } = {},
): TestOtelSdk {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new PullMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const manager = new AsyncLocalStorageContextManager();
  context.setGlobalContextManager(manager);
  if (parts.tracing !== false) trace.setGlobalTracerProvider(tracerProvider);
  if (parts.metrics !== false) metrics.setGlobalMeterProvider(meterProvider);

  const metric = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics
      .filter((scope) => scope.scope.name === 'nestjs-aioclock')
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === name);
  };

  return {
    spans: () => exporter.getFinishedSpans(),
    async sum(name, attributes) {
      const points = ((await metric(name))?.dataPoints ??
        []) as DataPoint<unknown>[];
      const point = points.find((p) =>
        sameAttributes(p.attributes, attributes),
      );
      return (point?.value as number | undefined) ?? 0;
    },
    async histogram(name, attributes) {
      const found = await metric(name);
      if (found?.dataPointType !== DataPointType.HISTOGRAM) return undefined;
      return found.dataPoints.find((p) =>
        sameAttributes(p.attributes, attributes),
      )?.value;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}
