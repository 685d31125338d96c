// One OpenTelemetry per process, as a user installs it: the newest NodeSDK and
// auto-instrumentations from npm, our packed tarballs next to them, and the
// fixture app run in every supported combination. The WebSocket metrics reach
// a real scrape and a real VictoriaMetrics exactly once, with exact values;
// one metrics port; nothing on stderr.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startVictoriaMetrics, type VictoriaMetrics } from '../helpers/backends.mts';
import { binariesOrSkip } from '../helpers/binaries.mts';
import { freePort } from '../helpers/ports.mts';
import { waitFor } from '../helpers/wait.mts';
import { type App as Installed, installApp } from './install.mts';
import { listeningPorts, startApp } from './run-app.mts';

const { binaries, skip } = binariesOrSkip();
const AUTO = '@opentelemetry/auto-instrumentations-node/register';
const REGISTER = '@ws-otel/instrumentation-ws/register';
// app.cjs: 3 clients x 2 text messages, echoed, and 3 handshakes, on each side.
const EXPECTED = [
  {
    name: 'websocket_server_received_messages_total',
    labels: 'websocket_message_type="text"',
    value: 6,
  },
  {
    name: 'websocket_client_received_messages_total',
    labels: 'websocket_message_type="text"',
    value: 6,
  },
  {
    name: 'websocket_server_sent_bytes_total',
    labels: 'websocket_message_type="binary"',
    value: 12,
  },
];
/** The same, as the JavaScript Prometheus exporter names them (no unit suffix). */
const HANDSHAKES_PROMETHEUS = 'websocket_server_handshake_duration_count';
const HANDSHAKES_OTLP = 'websocket_server_handshake_duration_seconds_count';
const RUNTIME = ['nodejs_eventloop_delay_p99', 'v8js_gc_duration_count', 'process_cpu_time_total'];
// Metrics only, as a user who exports metrics alone sets it up; the cloud
// detectors of auto-instrumentations' default would probe for metadata servers.
const BASE_ENV = {
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance',
};

let runs = 0;

describe('with NodeSDK and auto-instrumentations, installed from the packed tarballs', {
  skip,
}, () => {
  let installed: Installed;
  let vm: VictoriaMetrics;

  before(async () => {
    installed = installApp();
    vm = await startVictoriaMetrics(binaries!);
  });

  after(async () => {
    await vm?.stop();
    if (installed) rmSync(installed.dir, { recursive: true, force: true });
  });

  /** Runs the app with `args`, Prometheus exporter on a free port; checks and returns the scrape. */
  async function runPrometheus(args: string[], env: Record<string, string> = {}): Promise<string> {
    const port = await freePort();
    const app = startApp(installed.dir, [...args, 'app.cjs'], {
      ...BASE_ENV,
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      ...env,
    });
    try {
      await app.ready;
      const { appPort } = JSON.parse(app.stdout().trim().split('\n').at(-1)!);
      assert.deepEqual(
        listeningPorts(app.child.pid!),
        [appPort, port].sort((a, b) => a - b),
        'the app should listen on its own port and one metrics port',
      );
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const { name, labels, value } of EXPECTED) {
        const lines = body
          .split('\n')
          .filter((l) => l.startsWith(`${name}{`) && l.includes(labels));
        assert.equal(lines.length, 1, `${name}{${labels}} once:\n${lines.join('\n')}`);
        assert.equal(Number(lines[0]!.split(' ').at(-1)), value, name);
      }
      const handshakes = body.split('\n').filter((l) => l.startsWith(`${HANDSHAKES_PROMETHEUS}{`));
      assert.equal(handshakes.length, 1, handshakes.join('\n'));
      assert.equal(Number(handshakes[0]!.split(' ').at(-1)), 3);
      return body;
    } finally {
      await app.stop();
      assert.equal(app.stderr(), '', 'nothing on stderr');
    }
  }

  /** Runs the app with `args` pushing OTLP into VictoriaMetrics; checks and returns the resource labels. */
  async function runOtlp(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<Record<string, string>> {
    const service = `sdk-compose-${++runs}-${process.pid}`;
    const app = startApp(installed.dir, [...args, 'app.cjs'], {
      ...BASE_ENV,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: vm.otlpMetricsUrl,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      OTEL_SERVICE_NAME: service,
      ...env,
    });
    try {
      await app.ready;
      const { appPort } = JSON.parse(app.stdout().trim().split('\n').at(-1)!);
      assert.deepEqual(listeningPorts(app.child.pid!), [appPort], 'OTLP opens no port');
      const selector = (name: string, labels = '') =>
        `${name}{service_name="${service}"${labels ? `, ${labels}` : ''}}`;
      await waitFor('the handshakes in VictoriaMetrics', async () =>
        (await vm.value(`sum(${selector(HANDSHAKES_OTLP)})`)) === 3 ? true : undefined,
      );
      for (const { name, labels, value } of EXPECTED) {
        const series = await vm.query(selector(name, labels));
        assert.equal(series.length, 1, `${name}{${labels}}: one series, not one per SDK`);
        assert.equal(series[0]!.values.at(-1)![1], value, name);
      }
      return (await vm.query(selector(HANDSHAKES_OTLP)))[0]!.metric;
    } finally {
      await app.stop();
      assert.equal(app.stderr(), '', 'nothing on stderr');
    }
  }

  it('adds no second copy of an OpenTelemetry package the stack already has', () => {
    const count = (copies: Map<string, string>) => {
      const byName = new Map<string, string[]>();
      for (const id of copies.values()) {
        const name = id.slice(0, id.lastIndexOf('@'));
        byName.set(name, [...(byName.get(name) ?? []), id]);
      }
      return byName;
    };
    const before = count(installed.before);
    const after = count(installed.after);
    assert.ok(before.has('@opentelemetry/sdk-metrics'), 'the stack was not installed');
    for (const [name, copies] of before) {
      assert.deepEqual(
        after.get(name)!.sort(),
        copies.sort(),
        `${name}: installing @ws-otel/instrumentation-ws changed its copies`,
      );
    }
  });

  it('(a) a NodeSDK bootstrap with getNodeAutoInstrumentations() and new WsInstrumentation()', async () => {
    const body = await runPrometheus(['--require', './bootstrap.cjs']);
    // auto-instrumentations' own runtime metrics come through the same SDK
    // (utilization is there from the first scrape; the delay histogram needs samples first).
    assert.match(body, /^nodejs_eventloop_utilization\{/m);
  });

  for (const [order, args] of [
    ['auto-instrumentations then register', ['--require', AUTO, '--require', REGISTER]],
    ['register then auto-instrumentations', ['--require', REGISTER, '--require', AUTO]],
  ] as const) {
    it(`(b) ${order}, Prometheus: exported once, one port`, async () => {
      await runPrometheus([...args]);
    });

    it(`(b) ${order}, OTLP into VictoriaMetrics: exported once`, async () => {
      await runOtlp([...args]);
    });
  }

  it('both register entries by --import (ESM loader hooks), either order, Prometheus: exported once', async () => {
    await runPrometheus(['--import', AUTO, '--import', REGISTER]);
    await runPrometheus(['--import', REGISTER, '--import', AUTO]);
  });

  it('register, then a NodeSDK started after ws loaded: exported once, by register', async () => {
    const service = `sdk-compose-late-${process.pid}`;
    const app = startApp(installed.dir, ['--require', REGISTER, 'late-sdk-app.cjs'], {
      ...BASE_ENV,
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: vm.otlpMetricsUrl,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      OTEL_SERVICE_NAME: service,
    });
    try {
      await app.ready;
      await waitFor('the handshakes in VictoriaMetrics', async () =>
        (await vm.value(`sum(${HANDSHAKES_OTLP}{service_name="${service}"})`)) === 3
          ? true
          : undefined,
      );
      const series = await vm.query(
        `websocket_server_received_messages_total{service_name="${service}", websocket_message_type="text"}`,
      );
      assert.equal(series.length, 1);
      assert.equal(series[0]!.values.at(-1)![1], 6);
    } finally {
      await app.stop();
    }
    // register owns the process's logging: NodeSDK's own lines print too
    // (here, that OTEL_TRACES_EXPORTER=none leaves tracing off).
    const ours = app
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('@ws-otel/'));
    assert.equal(ours.length, 1, app.stderr());
    assert.match(ours[0]!, /another OpenTelemetry SDK started after ws was loaded/);
    assert.doesNotMatch(app.stderr(), /duplicate registration|^\s+at /m);
  });

  it('(c) zero-code alone exports runtime metrics, and none with OTEL_WS_RUNTIME_METRICS=false', async () => {
    // The event-loop histogram needs a moment of sampling: scrape until it shows.
    let body = '';
    const port = await freePort();
    const app = startApp(installed.dir, ['--require', REGISTER, 'app.cjs'], {
      ...BASE_ENV,
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
    });
    try {
      await app.ready;
      await waitFor('runtime metrics on /metrics', async () => {
        body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return RUNTIME.every((name) => body.includes(`\n${name}{`)) ? true : undefined;
      });
    } finally {
      await app.stop();
      assert.equal(app.stderr(), '');
    }
    const without = await runPrometheus(['--require', REGISTER], {
      OTEL_WS_RUNTIME_METRICS: 'false',
    });
    for (const name of RUNTIME) assert.doesNotMatch(without, new RegExp(`^${name}\\{`, 'm'));
  });

  it('(d) zero-code alone over OTLP: series carry service.instance.id, host.name and process.pid', async () => {
    const labels = await runOtlp(['--require', REGISTER], { OTEL_NODE_RESOURCE_DETECTORS: 'all' });
    assert.match(labels.service_instance_id ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(labels.host_name, JSON.stringify(labels));
    assert.match(labels.process_pid ?? '', /^\d+$/);
  });
});
