import { diag, type MeterProvider } from '@opentelemetry/api';
import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { readBoolean } from './config-from-env.js';
import { meterProviderWithout } from './meter-without.js';

type Env = Record<string, string | undefined>;

/**
 * Left out of runtime-node's set: `v8js.resource.active` calls
 * `process.getActiveResourcesInfo()` at every collection, which lists every
 * handle, one per connection: at 12,500 connections a worker, several
 * milliseconds of CPU and half a megabyte of garbage each time, and the
 * longest pause of the event loop in the scale bench.
 */
const LEFT_OUT = new Set(['v8js.resource.active']);

/**
 * What prom-client's default metrics gave: event-loop delay and utilization,
 * GC and heap (runtime-node, less LEFT_OUT), and the process's CPU and memory
 * (host-metrics, process groups only: the host is not ours to report). Only
 * for a provider register owns; `OTEL_WS_RUNTIME_METRICS=false` turns them off.
 */
export function startRuntimeMetrics(env: Env, meterProvider: MeterProvider): void {
  if (!readBoolean(env, 'OTEL_WS_RUNTIME_METRICS', true)) return;
  try {
    for (const instrumentation of [
      new RuntimeNodeInstrumentation(),
      new HostMetricsInstrumentation({ metricGroups: ['process.cpu', 'process.memory'] }),
    ]) {
      instrumentation.setMeterProvider(meterProviderWithout(meterProvider, LEFT_OUT));
    }
  } catch (error) {
    diag.warn(
      '@ws-otel/instrumentation-ws/register: runtime metrics could not start; WebSocket metrics are unaffected',
      error,
    );
  }
}
