import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter as OtlpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  ConsoleMetricExporter,
  type IMetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';

import { otlpMetricsUrl, probeEndpoint } from './endpoint-probe.js';
import { strictInteger } from './env-integer.js';
import { exportStatus } from './export-status.js';

type Env = Record<string, string | undefined>;
const LOG_PREFIX = '@ws-otel/instrumentation-ws/register:';
const DEFAULT_PROMETHEUS_PORT = 9464;
const DEFAULT_EXPORT_INTERVAL_MS = 60000;
const DEFAULT_EXPORT_TIMEOUT_MS = 30000;

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = strictInteger(raw);
  if (value !== undefined && value > 0) return value;
  diag.warn(`${LOG_PREFIX} ${name}=${raw} is not a positive integer; using ${fallback}`);
  return fallback;
}

/**
 * Answers every export within `deadlineMs`, even while the endpoint keeps the
 * request hanging or retries, so a failure reaches the SDK's global error
 * handler (reported once by register) instead of a timeout line per interval.
 * A missed deadline says whether the endpoint refused the connection or did
 * not answer; every result is noted in `exportStatus` for the shutdown path.
 */
class DeadlineExporter implements PushMetricExporter {
  constructor(
    private readonly inner: PushMetricExporter,
    private readonly deadlineMs: number,
    private readonly probeMs: number,
    private readonly endpoint: URL | undefined,
  ) {}

  export(...[metrics, done]: Parameters<PushMetricExporter['export']>): void {
    let answered = false;
    const answer = (result: ExportResult) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      exportStatus.lastFailed = result.code !== ExportResultCode.SUCCESS;
      done(result);
    };
    const timer = setTimeout(() => void this.missed().then(answer), this.deadlineMs);
    timer.unref();
    this.inner.export(metrics, answer);
  }

  private async missed(): Promise<ExportResult> {
    const where = this.endpoint
      ? `${this.endpoint.origin}${this.endpoint.pathname}`
      : 'the endpoint';
    const refused =
      this.endpoint !== undefined &&
      (await probeEndpoint(this.endpoint, this.probeMs)) === 'refused';
    const reason = refused
      ? `${where} refused the connection (ECONNREFUSED)`
      : `no answer from ${where} within ${this.deadlineMs} ms`;
    return { code: ExportResultCode.FAILED, error: new Error(reason) };
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  selectAggregationTemporality(
    ...args: Parameters<NonNullable<PushMetricExporter['selectAggregationTemporality']>>
  ) {
    return this.inner.selectAggregationTemporality!(...args);
  }

  selectAggregation(...args: Parameters<NonNullable<PushMetricExporter['selectAggregation']>>) {
    return this.inner.selectAggregation!(...args);
  }
}

function otlpReader(env: Env): IMetricReader {
  const protocol = (
    env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf'
  ).trim();
  let exporter: PushMetricExporter;
  if (protocol === 'http/json') {
    exporter = new OtlpJsonExporter();
  } else {
    if (protocol !== 'http/protobuf') {
      diag.warn(
        `${LOG_PREFIX} OTLP protocol '${protocol}' is not supported here; using http/protobuf`,
      );
    }
    exporter = new OtlpProtoExporter();
  }
  const interval = positiveInteger(env, 'OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_EXPORT_INTERVAL_MS);
  const timeout = Math.min(
    positiveInteger(env, 'OTEL_METRIC_EXPORT_TIMEOUT', DEFAULT_EXPORT_TIMEOUT_MS),
    interval,
  );
  exportStatus.timeoutMs = timeout;
  return new PeriodicExportingMetricReader({
    // Our deadline and the probe come first, so the reader's own timeout never fires.
    exporter: new DeadlineExporter(
      exporter,
      Math.floor(timeout * 0.8),
      Math.floor(timeout * 0.1),
      otlpMetricsUrl(env),
    ),
    exportIntervalMillis: interval,
    exportTimeoutMillis: timeout,
  });
}

function prometheusReader(env: Env): IMetricReader {
  const host = env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || undefined;
  const port = positiveInteger(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', DEFAULT_PROMETHEUS_PORT);
  // Started here rather than by the exporter, which would log the raw error too.
  const exporter = new PrometheusExporter({ host, port, preventServerStart: true });
  exporter.startServer().catch((error: NodeJS.ErrnoException) => {
    const where = `${host ?? 'localhost'}:${port}`;
    const why =
      error.code === 'EADDRINUSE'
        ? `${where} is taken, by another process or by an OpenTelemetry SDK in this one whose ` +
          'MeterProvider is not registered globally (register joins a global one and opens no port). ' +
          'Register your SDK before ws is loaded, or give this process a free ' +
          'OTEL_EXPORTER_PROMETHEUS_PORT (every SDK in the process reads it)'
        : `${where} (${error.code ?? error.message})`;
    diag.error(
      `${LOG_PREFIX} the Prometheus endpoint could not listen: ${why}; the app is unaffected, ` +
        'its metrics are not served',
    );
  });
  return exporter;
}

function consoleReader(env: Env): IMetricReader {
  return new PeriodicExportingMetricReader({
    exporter: new ConsoleMetricExporter(),
    exportIntervalMillis: positiveInteger(
      env,
      'OTEL_METRIC_EXPORT_INTERVAL',
      DEFAULT_EXPORT_INTERVAL_MS,
    ),
  });
}

/**
 * The metric readers `OTEL_METRICS_EXPORTER` asks for: `otlp` (the default),
 * `prometheus`, `console`, `none`, or a comma list of them.
 */
export function metricReadersFromEnv(env: Env): IMetricReader[] {
  const names = (env.OTEL_METRICS_EXPORTER ?? 'otlp')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.length === 0) names.push('otlp');
  if (names.includes('none')) return [];
  const readers: IMetricReader[] = [];
  for (const name of new Set(names)) {
    if (name === 'otlp') readers.push(otlpReader(env));
    else if (name === 'prometheus') readers.push(prometheusReader(env));
    else if (name === 'console') readers.push(consoleReader(env));
    else diag.warn(`${LOG_PREFIX} OTEL_METRICS_EXPORTER '${name}' is unknown; ignoring it`);
  }
  return readers;
}
