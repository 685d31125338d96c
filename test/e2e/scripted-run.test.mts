// The scripted app runs zero-code with two exporters at once: a real
// Prometheus scrapes its /metrics, and it pushes OTLP (protobuf) into a real
// VictoriaMetrics with Prometheus naming. Both must hold exactly what the
// script did; every dashboard query must return data on both; the alert
// rules must evaluate on both and, with their thresholds at zero, find the
// run's series on both.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  interpolate,
  panelQueries,
  regexValue,
  ruleFiles,
  runPanelQuery,
  type Variables,
  variableValues,
} from './dashboard.mts';
import {
  type Backend,
  startPrometheus,
  startVictoriaMetrics,
  type VictoriaMetrics,
} from './helpers/backends.mts';
import { binariesOrSkip } from './helpers/binaries.mts';
import { freePort } from './helpers/ports.mts';
import { type NodeApp, startNodeApp } from './helpers/processes.mts';
import { waitFor } from './helpers/wait.mts';
import { expectedAfter, PLAN, SCRIPTED_APP_ENV, sumWith } from './scripted-run.mts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SERVICE = 'ws-otel-e2e';
const INSTANCE_ID = 'scripted-app-1';
const ROUNDS = 2;
const { binaries, skip } = binariesOrSkip();

interface Rule {
  alert: string;
  expr: string;
}

describe('a scripted run on a real Prometheus and a real VictoriaMetrics', { skip }, () => {
  let vm: VictoriaMetrics;
  let prometheus: Backend;
  let app: NodeApp;
  let metricsUrl: string;
  let startedAt: number;
  const paths: Array<{
    name: string;
    backend: () => Backend;
    naming: 'scrape' | 'otlp';
    service: string;
    serviceLabel: 'job' | 'service_name';
  }> = [
    {
      name: 'Prometheus (scrape)',
      backend: () => prometheus,
      naming: 'scrape',
      service: `job="${SERVICE}"`,
      serviceLabel: 'job',
    },
    {
      name: 'VictoriaMetrics (OTLP)',
      backend: () => vm,
      naming: 'otlp',
      service: `service_name="${SERVICE}"`,
      serviceLabel: 'service_name',
    },
  ];
  let plan: unknown;

  /** Waits until both backends hold a sample taken after `since` (unix seconds). */
  async function bothCollectedAfter(since: number) {
    for (const path of paths) {
      await waitFor(`${path.name} to hold a sample newer than the round`, async () => {
        const newest = await path
          .backend()
          .value(`max(timestamp(websocket_server_active_connections{${path.service}}))`);
        return newest !== undefined && newest > since ? true : undefined;
      });
    }
  }

  before(async () => {
    startedAt = Date.now() / 1000;
    vm = await startVictoriaMetrics(binaries!);
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    prometheus = await startPrometheus(binaries!, {
      targets: [{ job: SERVICE, target: `127.0.0.1:${metricsPort}` }],
      ruleFiles,
    });
    app = startNodeApp(['--require', '@ws-otel/instrumentation-ws/register', 'scripted-app.cjs'], {
      cwd: FIXTURES,
      env: {
        OTEL_METRICS_EXPORTER: 'prometheus,otlp',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: vm.otlpMetricsUrl,
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${INSTANCE_ID}`,
        ...SCRIPTED_APP_ENV,
      },
    });
    ({ plan } = await app.line((line) => line.round === 1));
    await bothCollectedAfter(Date.now() / 1000);
    // A second round after both backends saw the first, so every rate has an increase in it.
    app.send('next round');
    await app.line((line) => line.round === ROUNDS);
    await bothCollectedAfter(Date.now() / 1000);
  });

  after(async () => {
    await app?.stop();
    await prometheus?.stop();
    await vm?.stop();
  });

  it('the app did the round the expectations are written for', () => {
    assert.deepEqual(plan, PLAN);
  });

  for (const path of paths) {
    it(`${path.name} holds exactly what the script did`, async () => {
      const wrong: string[] = [];
      for (const expectation of expectedAfter(ROUNDS)) {
        const query = sumWith(expectation[path.naming], path.service);
        const value = await path.backend().value(query);
        if (value !== expectation.value) {
          wrong.push(`${expectation.what}: ${query} = ${value}, expected ${expectation.value}`);
        }
      }
      assert.deepEqual(wrong, []);
    });
  }

  it('the scrape path has job and instance; the OTLP path has the resource as labels', async () => {
    const [scraped] = await prometheus.query(
      `websocket_server_active_connections{job="${SERVICE}"}`,
    );
    assert.equal(scraped?.metric.instance, new URL(metricsUrl).host);
    const [pushed] = await vm.query(
      `websocket_server_active_connections{service_name="${SERVICE}"}`,
    );
    assert.equal(pushed?.metric.service_instance_id, INSTANCE_ID);
    assert.equal(pushed?.metric.job, undefined);
    // Unit suffixes only on the OTLP path.
    assert.deepEqual(await vm.query('websocket_server_connection_duration_count'), []);
    assert.deepEqual(
      await prometheus.query('websocket_server_connection_duration_seconds_count'),
      [],
    );
  });

  it('promtool check metrics finds nothing to complain about in /metrics', async () => {
    const body = await (await fetch(metricsUrl)).text();
    assert.match(body, /websocket_server_active_connections/);
    const check = spawnSync(binaries!.promtool, ['check', 'metrics'], {
      input: body,
      encoding: 'utf8',
    });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(check.stdout + check.stderr, '');
  });

  for (const path of paths) {
    it(`every dashboard variable and panel query returns data on ${path.name}`, async () => {
      const backend = path.backend();
      const all: Variables = { service: '.*', instance: '.*', rateInterval: '30s' };
      const services = await variableValues(backend, 'service', all);
      assert.ok(services.includes(SERVICE), `service variable offers ${services.join(', ')}`);
      const chosenService = { ...all, service: regexValue(SERVICE) };
      const instances = await variableValues(backend, 'instance', chosenService);
      const expectedInstance = path.naming === 'scrape' ? new URL(metricsUrl).host : INSTANCE_ID;
      assert.deepEqual(instances, [expectedInstance]);

      const range = {
        start: Math.floor(startedAt) - 5,
        end: Math.ceil(Date.now() / 1000),
        step: 1,
      };
      const empty: string[] = [];
      for (const vars of [all, { ...chosenService, instance: regexValue(instances[0]!) }]) {
        for (const query of panelQueries) {
          const expr = interpolate(query.expr, vars);
          const result = await runPanelQuery(backend, expr, range).catch((error: Error) => {
            throw new Error(
              `"${query.panel}" ${query.refId} fails on ${path.name}: ${error.message}`,
            );
          });
          if (!result.positive) {
            empty.push(
              `"${query.panel}" ${query.refId} (${result.series} series, none positive): ${expr}`,
            );
          }
        }
      }
      assert.deepEqual(empty, [], `queries without data on ${path.name}`);
    });

    it(`a service the run does not have filters everything out on ${path.name}`, async () => {
      const vars: Variables = { service: 'no-such-service', instance: '.*', rateInterval: '30s' };
      const range = {
        start: Math.floor(startedAt) - 5,
        end: Math.ceil(Date.now() / 1000),
        step: 5,
      };
      const first = panelQueries.find((q) => q.panel === 'Open connections by health')!;
      const result = await runPanelQuery(path.backend(), interpolate(first.expr, vars), range);
      assert.equal(result.series, 0);
    });
  }

  for (const path of paths) {
    it(`${path.name} saw the slow client backpressured`, async () => {
      const backend = path.backend();
      const threshold = Number(SCRIPTED_APP_ENV.OTEL_WS_BACKPRESSURE_THRESHOLD);
      const queueName =
        path.naming === 'scrape'
          ? 'websocket_server_send_queue_size'
          : 'websocket_server_send_queue_size_bytes';
      const most = (name: string) =>
        backend.value(`max(max_over_time(${name}{${path.service}}[10m]))`);
      // One slow client at a time, with far more queued than the threshold.
      assert.equal(await most('websocket_server_backpressured_connections'), 1);
      const queued = await most(queueName);
      assert.ok(queued !== undefined && queued >= threshold, `${queueName} peaked at ${queued}`);
    });
  }

  it('Prometheus loads every alert rule and evaluates it without error', async () => {
    const rules = await waitFor('Prometheus to evaluate every rule', async () => {
      const data = (await prometheus.api('/api/v1/rules')) as {
        groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }>;
      };
      const list = data.groups.flatMap((group) => group.rules);
      return list.length > 0 && list.every((rule) => rule.health !== 'unknown') ? list : undefined;
    });
    assert.equal(rules.length, 7);
    for (const rule of rules) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
  });

  it('VictoriaMetrics evaluates every alert expression without error', async () => {
    const { alertRuleGroups } = await import('@ws-otel/monitoring-mixin');
    const rules = alertRuleGroups().groups.flatMap((group: { rules: Rule[] }) => group.rules);
    assert.equal(rules.length, 7);
    for (const rule of rules) await vm.query(rule.expr);
  });

  for (const path of paths) {
    it(`with every threshold at zero, each alert finds the run's service on ${path.name}`, async () => {
      const { alertRuleGroups } = await import('@ws-otel/monitoring-mixin');
      const zero = {
        abnormalDisconnectRatio: 0,
        abnormalDisconnectsPerSecond: 0,
        handshakeFailureRatio: 0,
        handshakeFailuresPerSecond: 0,
        errorsPerSecond: 0,
        capacityPerInstance: 0,
        heartbeatRttP95Seconds: 0,
        heartbeatTimeoutRatio: 0,
      };
      const rules: Rule[] = alertRuleGroups({ thresholds: zero }).groups.flatMap(
        (group: { rules: Rule[] }) => group.rules,
      );
      const silent: string[] = [];
      // "No connections" (== 0) has no threshold to lower: it only has to evaluate, above.
      for (const rule of rules.filter((r) => r.alert !== 'WebSocketNoConnections')) {
        const series = await path.backend().query(rule.expr);
        const services = series.map((s) => s.metric[path.serviceLabel]);
        if (!services.includes(SERVICE)) silent.push(`${rule.alert}: ${JSON.stringify(series)}`);
      }
      assert.deepEqual(silent, []);
    });
  }
});
