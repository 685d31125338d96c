import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Binaries } from './binaries.mts';
import { freePort } from './ports.mts';
import { type Running, startProcess } from './processes.mts';
import { waitFor } from './wait.mts';

export interface Series {
  metric: Record<string, string>;
  /** [unix seconds, value]; NaN and ±Inf as numbers. */
  values: Array<[number, number]>;
}

interface ApiAnswer {
  status: string;
  error?: string;
  errorType?: string;
  data?: unknown;
}

/** One Prometheus-compatible server with its HTTP query API. */
export class Backend {
  readonly name: string;
  readonly url: string;
  readonly #server: Running;
  readonly #dataDir: string;

  constructor(name: string, url: string, server: Running, dataDir: string) {
    this.name = name;
    this.url = url;
    this.#server = server;
    this.#dataDir = dataDir;
  }

  /** GET or POST to the API; throws with the server's own error text. */
  async api(path: string, params?: Record<string, string>): Promise<unknown> {
    const response = await fetch(`${this.url}${path}`, {
      method: params ? 'POST' : 'GET',
      headers: params ? { 'content-type': 'application/x-www-form-urlencoded' } : undefined,
      body: params ? new URLSearchParams(params) : undefined,
    });
    const text = await response.text();
    let answer: ApiAnswer;
    try {
      answer = JSON.parse(text) as ApiAnswer;
    } catch {
      throw new Error(`${this.name} ${path}: HTTP ${response.status}: ${text.slice(0, 500)}`);
    }
    if (answer.status !== 'success') {
      throw new Error(`${this.name} ${path}: ${answer.errorType ?? ''} ${answer.error ?? text}`);
    }
    return answer.data;
  }

  /** An instant query at `time` (default now). */
  async query(expr: string, time?: number): Promise<Series[]> {
    const params: Record<string, string> = { query: expr };
    if (time !== undefined) params.time = String(time);
    return toSeries(await this.api('/api/v1/query', params));
  }

  /** A range query, as Grafana's time series panels run them. */
  async queryRange(expr: string, start: number, end: number, step: number): Promise<Series[]> {
    return toSeries(
      await this.api('/api/v1/query_range', {
        query: expr,
        start: String(start),
        end: String(end),
        step: String(step),
      }),
    );
  }

  /** The single value of a query that must return exactly one series. */
  async value(expr: string): Promise<number | undefined> {
    const series = await this.query(expr);
    if (series.length === 0) return undefined;
    if (series.length > 1)
      throw new Error(`${expr} returned ${series.length} series on ${this.name}`);
    return series[0]!.values.at(-1)![1];
  }

  output(): string {
    return this.#server.output();
  }

  async stop(): Promise<void> {
    await this.#server.stop();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}

function number(text: string): number {
  return Number(text.replace(/^\+?Inf$/, 'Infinity').replace(/^-Inf$/, '-Infinity'));
}

function toSeries(data: unknown): Series[] {
  const { resultType, result } = data as { resultType: string; result: unknown };
  if (resultType === 'scalar' || resultType === 'string') {
    const [t, v] = result as [number, string];
    return [{ metric: {}, values: [[t, number(v)]] }];
  }
  return (
    result as Array<{
      metric: Record<string, string>;
      value?: [number, string];
      values?: Array<[number, string]>;
    }>
  ).map(({ metric, value, values }) => ({
    metric,
    values: (values ?? [value!]).map(([t, v]) => [t, number(v)] as [number, number]),
  }));
}

async function ready(name: string, server: Running, url: string, expect: RegExp): Promise<void> {
  await waitFor(
    `${name} to answer ${url}`,
    async () => {
      if (server.child.exitCode !== null) {
        throw new Error(`${name} exited (${server.child.exitCode}):\n${server.output()}`);
      }
      const response = await fetch(url);
      const body = await response.text();
      return response.ok && expect.test(body) ? true : undefined;
    },
    { timeoutMs: 30000, intervalMs: 100 },
  );
}

export class VictoriaMetrics extends Backend {
  /** Where to send OTLP/HTTP protobuf metrics. */
  get otlpMetricsUrl(): string {
    return `${this.url}/opentelemetry/v1/metrics`;
  }

  /**
   * VictoriaMetrics buffers what it ingests and makes it searchable seconds
   * later; its /internal/force_flush (meant for tests) makes it searchable now.
   */
  override async api(path: string, params?: Record<string, string>): Promise<unknown> {
    if (path.startsWith('/api/v1/')) {
      const response = await fetch(`${this.url}/internal/force_flush`);
      await response.arrayBuffer();
    }
    return super.api(path, params);
  }
}

/**
 * VictoriaMetrics on a free loopback port (or `port`, to stand in for one
 * that was stopped) with a fresh data folder: OTLP with Prometheus naming,
 * fresh samples queryable at once, no response cache.
 */
export async function startVictoriaMetrics(
  binaries: Binaries,
  port?: number,
): Promise<VictoriaMetrics> {
  port ??= await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'ws-otel-vm-'));
  const server = startProcess(binaries.victoriaMetrics, [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-storageDataPath=${dataDir}`,
    '-opentelemetry.usePrometheusNaming',
    '-search.latencyOffset=0s',
    '-search.disableCache',
    '-loggerLevel=WARN',
  ]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await ready('VictoriaMetrics', server, `${url}/health`, /OK/);
  } catch (error) {
    await server.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return new VictoriaMetrics('VictoriaMetrics', url, server, dataDir);
}

export interface ScrapeTarget {
  job: string;
  target: string;
}

/**
 * Prometheus on a free loopback port with a fresh TSDB, scraping `targets`
 * every second and evaluating `ruleFiles` every second.
 */
export async function startPrometheus(
  binaries: Binaries,
  { targets, ruleFiles = [] }: { targets: ScrapeTarget[]; ruleFiles?: string[] },
): Promise<Backend> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'ws-otel-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: targets.map(({ job, target }) => ({
      job_name: job,
      static_configs: [{ targets: [target] }],
    })),
  };
  // JSON is YAML: Prometheus reads it as it is.
  const configFile = join(dataDir, 'prometheus.yml');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const server = startProcess(binaries.prometheus, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dataDir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await ready('Prometheus', server, `${url}/-/ready`, /ready/i);
  } catch (error) {
    await server.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return new Backend('Prometheus', url, server, dataDir);
}
