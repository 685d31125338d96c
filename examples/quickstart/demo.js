// `pnpm demo`: starts the chat server with zero-code instrumentation, starts
// simulated clients beside it, and prints a live summary read from the
// server's own /metrics endpoint until Ctrl-C.
//
// PORT: the chat server's port (default 8080).
// OTEL_EXPORTER_PROMETHEUS_PORT: the metrics port (default 9464).
// DEMO_DURATION_MS: stop by itself after this long (for tests).
const { spawn } = require('node:child_process');
const net = require('node:net');
const { scrape, sumByLabel, sumSamples } = require('./prometheus-text.js');

const appPort = Number(process.env.PORT || 8080);
const metricsPort = Number(process.env.OTEL_EXPORTER_PROMETHEUS_PORT || 9464);
const durationMs = Number(process.env.DEMO_DURATION_MS || 0);
const appUrl = `http://localhost:${appPort}/`;
const metricsUrl = `http://localhost:${metricsPort}/metrics`;
const SERVER_ARGS = ['--require', '@ws-otel/instrumentation-ws/register', 'server.js'];
const SUMMARY_EVERY_MS = 3000;
const STARTUP_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 10000;

const startedAt = performance.now();
let server;
let clients;
let summaries;
let deadline;
let stopping = false;
/** The traffic totals of the previous summary, to turn counters into rates. */
let previous = { at: startedAt, received: 0, sent: 0 };

/** Fails with one clear line when something already listens on the port. */
function ensurePortFree(port, host, variable) {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} is already in use; set ${variable} to a free port`)
          : error,
      );
    });
    probe.listen({ port, host }, () => probe.close(resolve));
  });
}

function startChild(name, args, env) {
  const child = spawn(process.execPath, args, {
    cwd: __dirname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    // Ctrl-C reaches the children too, and one may finish before our own handler runs.
    if (code !== 0) {
      console.error(`demo: the ${name} stopped unexpectedly (${signal ?? `exit code ${code}`})`);
    }
    void stop(code === 0 ? 0 : 1);
  });
  return child;
}

async function waitUntilServing(url) {
  const giveUpAt = performance.now() + STARTUP_TIMEOUT_MS;
  while (performance.now() < giveUpAt) {
    if (stopping) return;
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the chat server did not answer at ${url} within ${STARTUP_TIMEOUT_MS} ms`);
}

async function printSummary() {
  const elapsed = `[${String(Math.round((performance.now() - startedAt) / 1000)).padStart(3)}s]`;
  let samples;
  try {
    samples = await scrape(metricsUrl);
  } catch (error) {
    console.log(
      `${elapsed} no metrics yet from ${metricsUrl}: ${error.cause?.code ?? error.message}`,
    );
    return;
  }
  const now = performance.now();
  const active = sumSamples(samples, 'websocket_server_active_connections');
  const received = sumSamples(samples, 'websocket_server_received_messages_total');
  const sent = sumSamples(samples, 'websocket_server_sent_messages_total');
  const seconds = (now - previous.at) / 1000;
  const inRate = ((received - previous.received) / seconds).toFixed(1);
  const outRate = ((sent - previous.sent) / seconds).toFixed(1);
  previous = { at: now, received, sent };
  const closes = [
    ...sumByLabel(samples, 'websocket_server_connection_duration_count', 'websocket_close_code'),
  ]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${code}=${count}`)
    .join(' ');
  const errors = sumSamples(samples, 'websocket_server_errors_total');
  console.log(
    `${elapsed} ${active} connected | ${inRate} msg/s in, ${outRate} msg/s out | ` +
      `closes ${closes || 'none yet'} | errors ${errors}`,
  );
}

/** SIGTERM, then SIGKILL if it does not exit in time; resolves false when it had to be killed. */
function stopChild(child) {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(false);
    }, STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve(true);
    });
    child.kill('SIGTERM');
  });
}

/** Clients first, so the server sees them leave; then the server. */
async function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  clearInterval(summaries);
  clearTimeout(deadline);
  const clientsStopped = await stopChild(clients);
  const serverStopped = await stopChild(server);
  if (!clientsStopped || !serverStopped) {
    console.error(`demo: a process did not stop within ${STOP_TIMEOUT_MS} ms and was killed`);
  }
  if (exitCode === 0 && clientsStopped && serverStopped) console.log('demo: stopped');
  process.exit(clientsStopped && serverStopped ? exitCode : 1);
}

async function main() {
  if (appPort === metricsPort) {
    throw new Error(`PORT and OTEL_EXPORTER_PROMETHEUS_PORT are both ${appPort}; they must differ`);
  }
  await ensurePortFree(appPort, undefined, 'PORT');
  await ensurePortFree(metricsPort, 'localhost', 'OTEL_EXPORTER_PROMETHEUS_PORT');
  server = startChild('chat server', SERVER_ARGS, {
    PORT: String(appPort),
    OTEL_METRICS_EXPORTER: 'prometheus',
    OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
    OTEL_SERVICE_NAME: 'ws-otel-quickstart',
  });
  await waitUntilServing(appUrl);
  if (stopping) return;
  clients = startChild('clients', ['clients.js'], { CHAT_URL: `ws://localhost:${appPort}/chat` });

  console.log(`
ws-otel quickstart: a chat server on ws, instrumented without code changes:
  node ${SERVER_ARGS.join(' ')}
with simulated clients that chat, leave, vanish, and fail handshakes.

  app:      ${appUrl}
  metrics:  ${metricsUrl}
  try:      curl -s ${metricsUrl} | grep '^websocket_server'

Every ${SUMMARY_EVERY_MS / 1000} s, a summary from this demo's own scrape of /metrics. Ctrl-C stops.
`);
  summaries = setInterval(printSummary, SUMMARY_EVERY_MS);
  if (durationMs > 0) deadline = setTimeout(() => stop(0), durationMs);
}

process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));
main().catch((error) => {
  console.error(`demo: ${error.message}`);
  void stop(1);
});
