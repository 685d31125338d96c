// The app's own OpenTelemetry bootstrap, loaded before the app:
//   node --require ./instrumentation.js server.js
// Metrics only, two ways out: a Prometheus endpoint to scrape, and OTLP
// (http/protobuf) pushed to a collector that does not have to be up.
//
// OTEL_EXPORTER_PROMETHEUS_PORT / _HOST: the scrape endpoint (default localhost:9465).
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: where OTLP
// goes (default http://localhost:4318/v1/metrics).
// OTEL_METRIC_EXPORT_INTERVAL: milliseconds between OTLP pushes (default 60000).
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto');
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { WsInstrumentation } = require('@ws-otel/instrumentation-ws');

const prometheusHost = process.env.OTEL_EXPORTER_PROMETHEUS_HOST || 'localhost';
const prometheusPort = Number(process.env.OTEL_EXPORTER_PROMETHEUS_PORT || 9465);

const prometheusReader = new PrometheusExporter(
  { host: prometheusHost, port: prometheusPort },
  (error) => {
    if (error) {
      console.error(
        `instrumentation: no Prometheus endpoint on ${prometheusHost}:${prometheusPort} ` +
          `(${error.code ?? error.message}); set OTEL_EXPORTER_PROMETHEUS_PORT to a free port`,
      );
    }
  },
);
// The exporter reads the OTEL_EXPORTER_OTLP_* variables itself. A failed push
// is reported through the diag logger (OTEL_LOG_LEVEL=info shows it) and the
// app carries on.
const otlpReader = new PeriodicExportingMetricReader({
  exporter: new OTLPMetricExporter(),
  exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL || 60000),
});

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME || 'ws-otel-sdk-bootstrap',
  metricReaders: [prometheusReader, otlpReader],
  // Metrics only: no tracer or logger provider from the environment.
  spanProcessors: [],
  logRecordProcessors: [],
});
sdk.start();
// After start(): the instrumentation takes the global MeterProvider the SDK just set.
registerInstrumentations({ instrumentations: [new WsInstrumentation()] });

// On SIGTERM or Ctrl-C: push the last OTLP export and close the Prometheus
// endpoint. The app stops its own server on the same signal; an app without
// a handler gets the signal again afterwards, so the process still ends.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    const appHandlesIt = process.listenerCount(signal) > 0;
    sdk
      .shutdown()
      .catch((error) => console.error(`instrumentation: shutdown failed: ${error.message}`))
      .finally(() => {
        if (!appHandlesIt) process.kill(process.pid, signal);
      });
  });
}
