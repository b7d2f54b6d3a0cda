import { context, metrics, trace } from '@opentelemetry/api';
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from './async-local-storage.context-manager';

/** The registered SDK, to flush and stop at shutdown. */
export interface OpenTelemetrySdk {
  shutdown(): Promise<void>;
}

/**
 * Registers an OpenTelemetry SDK that prints to the console: each span as it
 * ends, the metrics once at shutdown. A real app would use
 * `@opentelemetry/sdk-node` with an OTLP exporter and a BatchSpanProcessor;
 * AioClock only needs one to be registered before the app bootstraps.
 */
export function startOpenTelemetry(): OpenTelemetrySdk {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: 3_600_000, // in this sample: only the final flush
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
