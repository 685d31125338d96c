// Runs the demo launcher for a few seconds on free ports, scrapes the
// server's /metrics while it runs, and checks that every server metric the
// instrumentation emits has data, then that the demo stopped cleanly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scrape, sumByLabel, sumSamples } from '../prometheus-text.js';

const DEMO = fileURLToPath(new URL('../demo.js', import.meta.url));
const DEMO_DURATION_MS = 8000;
const TEST_OPTIONS = { timeout: 60000 };

/** Ports free right now, all different: each probe holds its port until all are read. */
async function freePorts(count) {
  const probes = Array.from({ length: count }, () => createServer().listen(0));
  await Promise.all(probes.map((probe) => once(probe, 'listening')));
  const ports = probes.map((probe) => probe.address().port);
  await Promise.all(probes.map((probe) => once(probe.close(), 'close')));
  return ports;
}

/** Starts the launcher; `exited` resolves with its exit code and everything it printed. */
function runDemo(t, env) {
  const demo = spawn(process.execPath, [DEMO], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // SIGTERM, not SIGKILL: the launcher then stops its server and clients too.
  t.after(() => demo.kill('SIGTERM'));
  let stdout = '';
  let stderr = '';
  demo.stdout.on('data', (chunk) => (stdout += chunk));
  demo.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = once(demo, 'exit').then(([code, signal]) => ({
    code: code ?? signal,
    stdout,
    stderr,
  }));
  return { demo, exited };
}

async function isListening(port) {
  const socket = connect(port, 'localhost');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * Scrapes the demo's server until the demo exits. Counters only grow, so the
 * last good scrape has the most; live connections drop to 0 as the demo
 * stops, so their peak is kept. `isOurs` rejects a process that took the port.
 */
async function scrapeWhileRunning(demo, url, isOurs) {
  let samples;
  let peakActive = 0;
  while (demo.exitCode === null && demo.signalCode === null) {
    try {
      const scraped = await scrape(url);
      if (isOurs(scraped)) {
        samples = scraped;
        const healthy = { websocket_connection_health: 'healthy' };
        const active = sumSamples(samples, 'websocket_server_active_connections', healthy);
        peakActive = Math.max(peakActive, active);
      }
    } catch {
      // Not up yet, or already stopped.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { samples, peakActive };
}

test('the demo fills every server metric and stops by itself', TEST_OPTIONS, async (t) => {
  const [appPort, metricsPort] = await freePorts(2);
  // The server reports this as a resource attribute: a scrape can tell it is ours.
  const runId = randomUUID();
  const { demo, exited } = runDemo(t, {
    PORT: String(appPort),
    OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    OTEL_RESOURCE_ATTRIBUTES: `demo.test.run=${runId}`,
    DEMO_DURATION_MS: String(DEMO_DURATION_MS),
  });
  const { samples, peakActive } = await scrapeWhileRunning(
    demo,
    `http://localhost:${metricsPort}/metrics`,
    (scraped) => scraped.some((s) => s.name === 'target_info' && s.labels.demo_test_run === runId),
  );
  const { code, stdout, stderr } = await exited;

  assert.equal(code, 0, `demo failed:\n${stdout}\n${stderr}`);
  assert.match(stdout, /\d+ connected \| [\d.]+ msg\/s in, [\d.]+ msg\/s out \| closes \S+=\d+/);
  assert.match(stdout, /demo: stopped/);
  assert.equal(await isListening(appPort), false, 'the chat server still runs');
  assert.equal(await isListening(metricsPort), false, 'the metrics endpoint still runs');
  assert.ok(samples, "the demo's metrics endpoint never answered");
  const count = (name, labels) => sumSamples(samples, name, labels);

  assert.ok(peakActive > 0, 'no live connection was ever seen');

  const closes = sumByLabel(
    samples,
    'websocket_server_connection_duration_count',
    'websocket_close_code',
  );
  for (const closeCode of ['1000', '1006', '4xxx']) {
    assert.ok(closes.get(closeCode) > 0, `no close with ${closeCode} in ${[...closes.keys()]}`);
  }
  for (const errorType of ['connection_lost', 'ECONNRESET', 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']) {
    assert.ok(
      count('websocket_server_connection_duration_count', { error_type: errorType }) > 0,
      `no connection ended with error.type ${errorType}`,
    );
  }
  assert.ok(count('websocket_server_connection_duration_sum') > 0);

  assert.ok(count('websocket_server_handshake_duration_count', { error_type: undefined }) > 0);
  for (const status of ['400', '404']) {
    assert.ok(
      count('websocket_server_handshake_duration_count', { error_type: status }) > 0,
      `no handshake refused with ${status}`,
    );
  }

  for (const direction of ['sent', 'received']) {
    for (const type of ['text', 'binary']) {
      const labels = { websocket_message_type: type };
      const messages = count(`websocket_server_${direction}_messages_total`, labels);
      const bytes = count(`websocket_server_${direction}_bytes_total`, labels);
      assert.ok(messages > 0, `no ${type} messages ${direction}`);
      assert.ok(bytes >= messages, `${direction} ${type} bytes ${bytes} < messages ${messages}`);
    }
  }

  for (const errorType of ['ECONNRESET', 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']) {
    assert.ok(
      count('websocket_server_errors_total', { error_type: errorType }) > 0,
      `no ${errorType} error counted`,
    );
  }
});

test('the demo says which port is taken and exits 1', TEST_OPTIONS, async (t) => {
  const taken = createServer().listen(0);
  await once(taken, 'listening');
  try {
    const [metricsPort] = await freePorts(1);
    const { exited } = runDemo(t, {
      PORT: String(taken.address().port),
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    });
    const { code, stderr } = await exited;
    assert.equal(code, 1);
    assert.equal(
      stderr.trim(),
      `demo: port ${taken.address().port} is already in use; set PORT to a free port`,
    );
  } finally {
    taken.close();
  }
});
