import type * as OtelApiModule from '@opentelemetry/api';

/** The `@opentelemetry/api` module, when it is installed. */
export type OtelApi = typeof OtelApiModule;

/** What `detectOpenTelemetry` found. */
export interface OtelPresence {
  /** The api module, or `null` when it is not installed (or fails to load). */
  api: OtelApi | null;
  /** A tracer provider has been registered (an SDK is tracing). */
  tracing: boolean;
  /** A meter provider has been registered (an SDK is measuring). */
  metrics: boolean;
}

/**
 * Loads `@opentelemetry/api` if it is installed. It is an optional peer: a
 * plain `import` would make the library fail to load without it, so it is
 * required lazily, once per scheduler start, and a failure means "absent".
 */
export function loadOpenTelemetryApi(): OtelApi | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@opentelemetry/api') as OtelApi;
  } catch {
    return null;
  }
}

/**
 * Whether an SDK has registered a tracer provider and a meter provider.
 * Without one, the api's global tracer provider is a proxy whose delegate is
 * the shared no-op provider, and the global meter provider hands out the
 * shared no-op meter: comparing against those needs no probe span.
 * @param api the loaded api, or `null`
 */
export function detectOpenTelemetry(api: OtelApi | null): OtelPresence {
  if (api === null) return { api, tracing: false, metrics: false };
  const provider = api.trace.getTracerProvider();
  const noopTracerProvider = new api.ProxyTracerProvider().getDelegate();
  const tracing = !(
    provider instanceof api.ProxyTracerProvider &&
    provider.getDelegate() === noopTracerProvider
  );
  const metrics =
    api.metrics.getMeterProvider().getMeter('nestjs-aioclock') !==
    api.createNoopMeter();
  return { api, tracing, metrics };
}
