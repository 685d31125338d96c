// Starts the chat server behind the user's own bootstrap, talks to it with
// real ws clients, and checks the exact numbers on the Prometheus endpoint
// and that the OTLP reader pushed (or failed to push without harm).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { scrape, sumSamples } from '../../quickstart/prometheus-text.js';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const CHAT_LINE = JSON.stringify({ type: 'chat', text: 'hello' });
const CHAT_LINES_SENT = 3;
const STARTUP_TIMEOUT_MS = 15000;
const TEST_OPTIONS = { timeout: 60000 };

/** Ports free right now, all different: each probe holds its port until all are read. */
async function freePorts(count) {
  const probes = Array.from({ length: count }, () => createNetServer().listen(0));
  await Promise.all(probes.map((probe) => once(probe, 'listening')));
  const ports = probes.map((probe) => probe.address().port);
  await Promise.all(probes.map((probe) => once(probe.close(), 'close')));
  return ports;
}

/** Retries `check` until it stops throwing, for values another process updates. */
async function eventually(check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Starts `node --require ./instrumentation.js server.js` and waits until it serves. */
async function startBootstrappedServer(t, { appPort, metricsPort, env }) {
  const child = spawn(process.execPath, ['--require', './instrumentation.js', 'server.js'], {
    cwd: EXAMPLE_DIR,
    env: {
      ...process.env,
      PORT: String(appPort),
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  // A failed assertion must not leave the server running.
  t.after(() => child.kill('SIGKILL'));
  const metricsUrl = `http://localhost:${metricsPort}/metrics`;
  await eventually(async () => {
    assert.equal(child.exitCode, null, `the server exited early:\n${output}`);
    const response = await fetch(`http://localhost:${appPort}/`);
    assert.equal(response.status, 200);
    await response.text();
    // A port found free can be taken by another process before the server
    // binds it: check that the endpoint is this server's (the SDK reports its pid).
    const samples = await scrape(metricsUrl);
    const ours = samples.some(
      (s) => s.name === 'target_info' && s.labels.process_pid === String(child.pid),
    );
    assert.ok(ours, `${metricsUrl} is not this server's endpoint:\n${output}`);
  }, STARTUP_TIMEOUT_MS);
  return {
    chatUrl: `ws://localhost:${appPort}/chat?room=general&name=`,
    metricsUrl,
    output: () => output,
    /** SIGTERM; resolves with the exit code. */
    async stop() {
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      return code ?? signal;
    },
  };
}

/** A ws client that keeps the byte size of every message it receives. */
async function connect(t, url) {
  const ws = new WebSocket(url);
  t.after(() => ws.terminate());
  const received = [];
  ws.on('message', (data) => received.push(data.length));
  await once(ws, 'open');
  await eventually(() => assert.ok(received.length > 0, 'no welcome message'));
  return { ws, received };
}

/** An OTLP/HTTP receiver that keeps what it is sent. */
async function startOtlpReceiver() {
  const requests = [];
  const server = createHttpServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        path: request.url,
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks),
      });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' });
      response.end();
    });
  });
  server.listen(0);
  await once(server, 'listening');
  return { port: server.address().port, requests, close: () => server.close() };
}

test('Prometheus shows exact counts and OTLP gets the metrics', TEST_OPTIONS, async (t) => {
  const otlp = await startOtlpReceiver();
  t.after(() => otlp.close());
  const [appPort, metricsPort] = await freePorts(2);
  const server = await startBootstrappedServer(t, {
    appPort,
    metricsPort,
    env: {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${otlp.port}/v1/metrics`,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    },
  });

  // One after the other, so the server's welcome and join notices are deterministic.
  const clients = [];
  for (const name of ['ann', 'bob', 'cy']) clients.push(await connect(t, server.chatUrl + name));
  for (let i = 0; i < CHAT_LINES_SENT; i++) clients[0].ws.send(CHAT_LINE);
  // Server sends: 3 welcomes, 3 join notices (bob to ann; cy to ann and bob), 3 x 3 chat lines.
  const expectedSent = 3 + 3 + CHAT_LINES_SENT * clients.length;
  const receivedByClients = () => clients.reduce((sum, c) => sum + c.received.length, 0);
  await eventually(() => assert.equal(receivedByClients(), expectedSent));

  const samples = await scrape(server.metricsUrl);
  const text = { websocket_message_type: 'text' };
  const binary = { websocket_message_type: 'binary' };
  assert.equal(
    sumSamples(samples, 'websocket_server_received_messages_total', text),
    CHAT_LINES_SENT,
  );
  assert.equal(
    sumSamples(samples, 'websocket_server_received_bytes_total', text),
    CHAT_LINES_SENT * Buffer.byteLength(CHAT_LINE),
  );
  assert.equal(sumSamples(samples, 'websocket_server_received_messages_total', binary), 0);
  assert.equal(sumSamples(samples, 'websocket_server_sent_messages_total', text), expectedSent);
  const bytesReceivedByClients = clients
    .flatMap((c) => c.received)
    .reduce((sum, size) => sum + size, 0);
  assert.equal(
    sumSamples(samples, 'websocket_server_sent_bytes_total', text),
    bytesReceivedByClients,
  );
  assert.equal(
    sumSamples(samples, 'websocket_server_active_connections', {
      websocket_connection_health: 'healthy',
      websocket_route: '/chat',
    }),
    clients.length,
  );
  assert.equal(sumSamples(samples, 'websocket_server_active_connections'), clients.length);
  assert.equal(
    sumSamples(samples, 'websocket_server_handshake_duration_count', { error_type: undefined }),
    clients.length,
  );

  for (const { ws } of clients) ws.close(1000, 'bye');
  await eventually(async () => {
    const after = await scrape(server.metricsUrl);
    assert.equal(sumSamples(after, 'websocket_server_active_connections'), 0);
    assert.equal(
      sumSamples(after, 'websocket_server_connection_duration_count', {
        websocket_close_code: '1000',
        websocket_close_initiator: 'client',
        error_type: undefined,
      }),
      clients.length,
    );
  });

  // Protobuf keeps strings as UTF-8, so the metric names show in the raw body.
  await eventually(() => {
    const pushed = otlp.requests.find((r) => r.body.includes('websocket.server.received.messages'));
    assert.ok(pushed, `no OTLP export with ws metrics among ${otlp.requests.length} requests`);
    assert.equal(pushed.path, '/v1/metrics');
    assert.equal(pushed.contentType, 'application/x-protobuf');
  });

  assert.equal(await server.stop(), 0, server.output());
});

test('an OTLP endpoint that is down costs nothing but the push', TEST_OPTIONS, async (t) => {
  const [appPort, metricsPort, nobodyListens] = await freePorts(3);
  const server = await startBootstrappedServer(t, {
    appPort,
    metricsPort,
    env: {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${nobodyListens}/v1/metrics`,
      OTEL_METRIC_EXPORT_INTERVAL: '200',
      // The last push at shutdown retries until this timeout (10 s by default).
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    },
  });
  const { ws } = await connect(t, `${server.chatUrl}dee`);
  ws.send(CHAT_LINE);
  // Several pushes fail meanwhile; the app and the Prometheus endpoint carry on.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await eventually(async () => {
    const samples = await scrape(server.metricsUrl);
    assert.equal(
      sumSamples(samples, 'websocket_server_received_messages_total', {
        websocket_message_type: 'text',
      }),
      1,
    );
    assert.equal(sumSamples(samples, 'websocket_server_active_connections'), 1);
  });
  ws.close();
  assert.equal(await server.stop(), 0, server.output());
});
