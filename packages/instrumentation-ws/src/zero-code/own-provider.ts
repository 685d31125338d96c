import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { WsInstrumentation } from '../instrumentation.js';
import { metricReadersFromEnv } from './metric-readers.js';
import { resourceFromEnv } from './resource.js';
import { startRuntimeMetrics } from './runtime-metrics.js';

type Env = Record<string, string | undefined>;

/**
 * register is the first OpenTelemetry SDK in this process: a MeterProvider of
 * its own, readers from `OTEL_METRICS_EXPORTER`, the resource NodeSDK would
 * detect, and runtime metrics. It becomes the global provider, so the app's
 * own meters, and the instrumentations of an SDK started later (NodeSDK
 * points its instrumentations at whatever provider the API holds), export
 * through it too, once.
 */
export function startOwnProvider(env: Env, instrumentation: WsInstrumentation): MeterProvider {
  const provider = new MeterProvider({
    resource: resourceFromEnv(env),
    readers: metricReadersFromEnv(env),
  });
  metrics.setGlobalMeterProvider(provider);
  instrumentation.setMeterProvider(provider);
  startRuntimeMetrics(env, provider);
  return provider;
}
