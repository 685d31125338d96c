import { diag, type MeterProvider } from '@opentelemetry/api';
import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { readBoolean } from './config-from-env.js';

type Env = Record<string, string | undefined>;

/**
 * What prom-client's default metrics gave: event-loop delay and utilization,
 * GC and heap (runtime-node), and the process's CPU and memory (host-metrics,
 * process groups only: the host is not ours to report). Only for a provider
 * register owns; `OTEL_WS_RUNTIME_METRICS=false` turns them off.
 */
export function startRuntimeMetrics(env: Env, meterProvider: MeterProvider): void {
  if (!readBoolean(env, 'OTEL_WS_RUNTIME_METRICS', true)) return;
  try {
    for (const instrumentation of [
      new RuntimeNodeInstrumentation(),
      new HostMetricsInstrumentation({ metricGroups: ['process.cpu', 'process.memory'] }),
    ]) {
      instrumentation.setMeterProvider(meterProvider);
    }
  } catch (error) {
    diag.warn(
      '@ws-otel/instrumentation-ws/register: runtime metrics could not start; WebSocket metrics are unaffected',
      error,
    );
  }
}
