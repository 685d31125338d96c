import { diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter as OtlpJsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  ConsoleMetricExporter,
  type IMetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';

type Env = Record<string, string | undefined>;
const LOG_PREFIX = '@ws-otel/instrumentation-ws/register:';
const DEFAULT_PROMETHEUS_PORT = 9464;
const DEFAULT_EXPORT_INTERVAL_MS = 60000;
const DEFAULT_EXPORT_TIMEOUT_MS = 30000;

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (Number.isSafeInteger(value) && value > 0) return value;
  diag.warn(`${LOG_PREFIX} ${name}=${raw} is not a positive integer; using ${fallback}`);
  return fallback;
}

/**
 * Reports the first failed export clearly, once, and the recovery after it;
 * the repeats in between go to debug so a down collector does not flood logs.
 */
class ReportOnceExporter implements PushMetricExporter {
  private failing = false;

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly what: string,
  ) {}

  export(...[metrics, done]: Parameters<PushMetricExporter['export']>): void {
    this.inner.export(metrics, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.failing) diag.info(`${LOG_PREFIX} ${this.what} export works again`);
        this.failing = false;
      } else if (!this.failing) {
        this.failing = true;
        diag.error(
          `${LOG_PREFIX} ${this.what} export failed (${result.error?.message ?? 'unknown error'}); ` +
            'the app is unaffected, metrics are dropped until the endpoint answers',
        );
      } else {
        diag.debug(`${LOG_PREFIX} ${this.what} export still failing`, result.error);
      }
      done({ code: ExportResultCode.SUCCESS });
    });
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
  return new PeriodicExportingMetricReader({
    exporter: new ReportOnceExporter(
      exporter,
      `OTLP (${protocol === 'http/json' ? 'http/json' : 'http/protobuf'})`,
    ),
    exportIntervalMillis: positiveInteger(
      env,
      'OTEL_METRIC_EXPORT_INTERVAL',
      DEFAULT_EXPORT_INTERVAL_MS,
    ),
    exportTimeoutMillis: Math.min(
      positiveInteger(env, 'OTEL_METRIC_EXPORT_TIMEOUT', DEFAULT_EXPORT_TIMEOUT_MS),
      positiveInteger(env, 'OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_EXPORT_INTERVAL_MS),
    ),
  });
}

function prometheusReader(env: Env): IMetricReader {
  const host = env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || undefined;
  const port = positiveInteger(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', DEFAULT_PROMETHEUS_PORT);
  return new PrometheusExporter({ host, port }, (error) => {
    if (error) {
      diag.error(
        `${LOG_PREFIX} the Prometheus endpoint could not listen on ${host ?? 'localhost'}:${port} ` +
          `(${(error as NodeJS.ErrnoException).code ?? error.message}); the app is unaffected, ` +
          'set OTEL_EXPORTER_PROMETHEUS_PORT to a free port',
      );
    }
  });
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
