import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { after, describe, it } from 'node:test';
import { startNode } from './helpers/child.mts';
import { freePort } from './helpers/ports.mts';
import { fetchText, parsePrometheus, sampleValue } from './helpers/prometheus.mts';

const REGISTER = '@ws-otel/instrumentation-ws/register';
const TEXT = { websocket_message_type: 'text' };
const BINARY = { websocket_message_type: 'binary' };

const ENTRIES = [
  { name: '--require, CommonJS app', args: ['--require', REGISTER, 'zero-code-app.cjs'] },
  { name: '--import, ESM app', args: ['--import', REGISTER, 'zero-code-app.mjs'] },
  { name: '--require, ESM app', args: ['--require', REGISTER, 'zero-code-app.mjs'] },
];

for (const entry of ENTRIES) {
  describe(`zero-code with ${entry.name}`, () => {
    it('serves the exact numbers on /metrics and ends like the app would on SIGTERM', async () => {
      const port = await freePort();
      const app = startNode(entry.args, {
        env: {
          OTEL_METRICS_EXPORTER: 'prometheus',
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
          OTEL_SERVICE_NAME: 'zero-code-test',
        },
      });
      await app.ready;
      assert.match(app.output().stdout, /"patched":true/);
      const { status, body } = await fetchText(`http://127.0.0.1:${port}/metrics`);
      assert.equal(status, 200);
      assert.doesNotMatch(body, /description missing/);
      const samples = parsePrometheus(body);
      const value = (name: string, labels?: Record<string, string>) =>
        sampleValue(samples, name, labels);

      // 3 clients x (2 text of 5 bytes + 1 binary of 4 bytes), echoed.
      for (const side of ['server', 'client']) {
        assert.equal(value(`websocket_${side}_received_messages_total`, TEXT), 6, side);
        assert.equal(value(`websocket_${side}_received_messages_total`, BINARY), 3, side);
        assert.equal(value(`websocket_${side}_sent_bytes_total`, TEXT), 30, side);
        assert.equal(value(`websocket_${side}_sent_bytes_total`, BINARY), 12, side);
        assert.equal(value(`websocket_${side}_handshake_duration_count`), 3, side);
        assert.equal(
          value(`websocket_${side}_active_connections`, { websocket_connection_health: 'healthy' }),
          2,
          side,
        );
        assert.equal(
          value(`websocket_${side}_connection_duration_count`, {
            websocket_close_code: '1000',
            websocket_close_initiator: 'client',
          }),
          1,
          side,
        );
      }
      assert.match(body, /service_name="zero-code-test"/);

      app.child.kill('SIGTERM');
      const result = await app.exited;
      assert.equal(
        result.signal,
        'SIGTERM',
        'the process did not end by the signal as it would bare',
      );
      assert.equal(result.stderr, '');
    });
  });
}

describe('zero-code health endpoints', () => {
  it('OTEL_WS_HEALTH_PORT serves /livez, /readyz, /healthz and /stats', async () => {
    const port = await freePort();
    const app = startNode(['--require', REGISTER, 'zero-code-app.cjs'], {
      env: {
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_WS_HEALTH_PORT: String(port),
        OTEL_WS_HEALTH_HOST: '127.0.0.1',
      },
    });
    await app.ready;
    const base = `http://127.0.0.1:${port}`;
    assert.deepEqual(await fetchText(`${base}/livez`), { status: 200, body: 'ok\n' });
    assert.deepEqual(await fetchText(`${base}/readyz`), { status: 200, body: 'ready\n' });
    const health = await fetchText(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, 'healthy');
    const stats = JSON.parse((await fetchText(`${base}/stats`)).body);
    assert.deepEqual(stats.server.connections, {
      total: 2,
      healthy: 2,
      degraded: 0,
      unresponsive: 0,
    });
    assert.equal((await fetchText(`${base}/other`)).status, 404);
    app.child.kill('SIGTERM');
    assert.equal((await app.exited).signal, 'SIGTERM');
  });
});

describe('zero-code exporters that fail', () => {
  it('a taken Prometheus port gives one clear message and the app runs and exits on its own', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    const app = startNode(['--require', REGISTER, 'zero-code-app.cjs'], {
      env: {
        APP_EXIT: '1',
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      },
    });
    const result = await app.exited;
    blocker.close();
    assert.equal(result.code, 0);
    assert.match(result.stdout, /"ready":true/);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, new RegExp(`could not listen: 127.0.0.1:${port} is taken`));
    assert.match(lines[0]!, /another process or .* SDK in this one/);
  });

  it('an OTLP endpoint that is down gives one clear message and the app is unaffected', async () => {
    const port = await freePort();
    const app = startNode(['--require', REGISTER, 'zero-code-app.cjs'], {
      env: {
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_METRIC_EXPORT_INTERVAL: '200',
      },
    });
    await app.ready;
    // Several export intervals pass, all of them failing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    app.child.kill('SIGTERM');
    const result = await app.exited;
    assert.equal(result.signal, 'SIGTERM');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0]!,
      new RegExp(
        `metrics export failed \\(.*http://127.0.0.1:${port}/v1/metrics refused the connection \\(ECONNREFUSED\\).*\\); the app is unaffected`,
      ),
    );
  });

  it('an OTLP endpoint that accepts but never answers is told apart, and SIGTERM skips the flush', async () => {
    const silent = createServer(() => {});
    const sockets: import('node:net').Socket[] = [];
    silent.on('connection', (socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as { port: number };
    const app = startNode(['--require', REGISTER, 'zero-code-app.cjs'], {
      env: {
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_METRIC_EXPORT_INTERVAL: '200',
        OTEL_LOG_LEVEL: 'debug',
      },
    });
    await app.ready;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    app.child.kill('SIGTERM');
    const result = await app.exited;
    for (const socket of sockets) socket.destroy();
    silent.close();
    assert.equal(result.signal, 'SIGTERM');
    const failures = result.stderr.split('\n').filter((line) => line.includes('export failed ('));
    assert.equal(failures.length, 1, result.stderr);
    // The deadline is 80% of the export timeout (200 ms here).
    assert.match(
      failures[0]!,
      new RegExp(`no answer from http://127.0.0.1:${port}/v1/metrics within 160 ms`),
    );
    assert.match(
      result.stdout + result.stderr,
      /the last export failed; not waiting for a final flush/,
    );
  });

  it('a process that never loads ws (npm, a wrapper with NODE_OPTIONS) takes no port', async () => {
    const port = await freePort();
    const app = startNode(
      [
        '--require',
        REGISTER,
        '-e',
        'console.log(JSON.stringify({ ready: true })); setTimeout(() => {}, 1500);',
      ],
      {
        env: {
          OTEL_METRICS_EXPORTER: 'prometheus',
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
        },
      },
    );
    await app.ready;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The port is still free for the process that will load ws.
    const probe = createServer();
    probe.listen(port, '127.0.0.1');
    await once(probe, 'listening');
    probe.close();
    const result = await app.exited;
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
  });

  it('OTEL_SDK_DISABLED=true starts nothing', async () => {
    const app = startNode(['--require', REGISTER, 'zero-code-app.cjs'], {
      env: {
        APP_EXIT: '1',
        OTEL_SDK_DISABLED: 'true',
        OTEL_LOG_LEVEL: 'info',
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort()),
      },
    });
    const result = await app.exited;
    assert.equal(result.code, 0);
    assert.match(result.stdout, /OTEL_SDK_DISABLED=true, not starting/);
    assert.match(result.stdout, /"ready":true,"patched":false/);
  });
});

describe('zero-code OTLP push', () => {
  const received: Array<{ contentType: string; body: Buffer; url: string }> = [];
  const receiver = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
        url: req.url ?? '',
      });
      res.end();
    });
  });
  after(() => receiver.close());

  for (const protocol of ['http/json', 'http/protobuf']) {
    it(`flushes on SIGTERM over ${protocol} with the resource from the environment`, async () => {
      if (!receiver.listening) {
        receiver.listen(0, '127.0.0.1');
        await once(receiver, 'listening');
      }
      received.length = 0;
      const { port } = receiver.address() as { port: number };
      const app = startNode(['--import', REGISTER, 'zero-code-app.mjs'], {
        env: {
          OTEL_METRICS_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          // Longer than the test: only the flush at SIGTERM can deliver.
          OTEL_METRIC_EXPORT_INTERVAL: '600000',
          OTEL_SERVICE_NAME: 'otlp-flush-test',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci',
        },
      });
      await app.ready;
      assert.equal(received.length, 0);
      app.child.kill('SIGTERM');
      const result = await app.exited;
      assert.equal(result.signal, 'SIGTERM');
      assert.equal(result.stderr, '');
      assert.equal(received.length, 1);
      const [request] = received;
      assert.equal(request!.url, '/v1/metrics');
      if (protocol === 'http/json') {
        assert.match(request!.contentType, /application\/json/);
        const payload = JSON.parse(request!.body.toString('utf8'));
        const [resourceMetrics] = payload.resourceMetrics;
        const attributes = Object.fromEntries(
          resourceMetrics.resource.attributes.map(
            (a: { key: string; value: { stringValue?: string } }) => [a.key, a.value.stringValue],
          ),
        );
        assert.equal(attributes['service.name'], 'otlp-flush-test');
        assert.equal(attributes['deployment.environment.name'], 'ci');
        const metrics = resourceMetrics.scopeMetrics[0].metrics;
        const received_ = metrics.find(
          (m: { name: string }) => m.name === 'websocket.server.received.messages',
        );
        const text = received_.sum.dataPoints.find(
          (p: { attributes: Array<{ value: { stringValue: string } }> }) =>
            p.attributes[0]!.value.stringValue === 'text',
        );
        assert.equal(Number(text.asInt), 6);
        assert.equal(received_.sum.isMonotonic, true);
      } else {
        assert.match(request!.contentType, /application\/x-protobuf/);
        // Protobuf keeps strings as bytes: names and resource values are readable.
        const bytes = request!.body.toString('latin1');
        assert.ok(bytes.includes('otlp-flush-test'));
        assert.ok(bytes.includes('websocket.server.received.messages'));
      }
    });
  }
});
