import { diag, type MeterProvider } from '@opentelemetry/api';
import type { WsInstrumentation } from '../instrumentation.js';

/**
 * An SDK got here first (NodeSDK, auto-instrumentations' register, a user's
 * own provider): its provider carries the WebSocket metrics, through its
 * readers and on its resource. register adds no provider, reader, port,
 * signal handler or runtime metrics of its own; that SDK owns all of those.
 */
export function joinRegisteredProvider(
  provider: MeterProvider,
  instrumentation: WsInstrumentation,
): void {
  instrumentation.setMeterProvider(provider);
  diag.info(
    '@ws-otel/instrumentation-ws/register: a MeterProvider was already registered by another ' +
      'OpenTelemetry SDK; WebSocket metrics go to it, through its exporters. register starts no ' +
      'exporter, port, runtime metrics or signal handlers of its own',
  );
}
