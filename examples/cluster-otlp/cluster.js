// A WebSocket echo service on node:cluster. The primary only forks and watches;
// each worker loads the zero-code register and pushes its own metrics over OTLP
// with a service.instance.id of its own, so a backend can tell the workers apart
// and sum over them.
//
//   OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://localhost:8428/opentelemetry/v1/metrics \
//   OTEL_SERVICE_NAME=chat WORKERS=4 PORT=8080 node cluster.js
//
// PORT (default 8080), HOST (default all interfaces), WORKERS (default: one per core).
const cluster = require('node:cluster');
const os = require('node:os');

if (cluster.isPrimary) runPrimary();
else runWorker();

function instanceId(slot) {
  // Stable per slot: a worker restarted in the same slot continues the same series.
  return `${os.hostname()}-worker-${slot}`;
}

function withInstanceId(attributes, slot) {
  const others = (attributes ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !pair.startsWith('service.instance.id='));
  return [...others, `service.instance.id=${encodeURIComponent(instanceId(slot))}`].join(',');
}

function runPrimary() {
  const count = Number(process.env.WORKERS) || os.availableParallelism();
  const port = Number(process.env.PORT || 8080);
  let stopping = false;
  let listening = 0;

  // Workers, and only workers, start with the instrumentation preloaded.
  cluster.setupPrimary({
    execArgv: [
      ...process.execArgv,
      '--require',
      require.resolve('@ws-otel/instrumentation-ws/register'),
    ],
  });

  const fork = (slot) => {
    const worker = cluster.fork({
      WORKER_SLOT: String(slot),
      OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME || 'cluster-otlp',
      OTEL_RESOURCE_ATTRIBUTES: withInstanceId(process.env.OTEL_RESOURCE_ATTRIBUTES, slot),
    });
    worker.on('message', (message) => {
      if (message?.listening && ++listening === count) {
        console.log(JSON.stringify({ ready: true, port, workers: count }));
      }
    });
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      console.error(`worker ${slot} ended (${signal ?? code}); starting it again`);
      fork(slot);
    });
  };
  for (let slot = 1; slot <= count; slot++) fork(slot);

  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Each worker closes its connections and flushes its last export on SIGTERM.
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function runWorker() {
  const { WebSocketServer } = require('ws');
  const slot = process.env.WORKER_SLOT;
  const wss = new WebSocketServer({
    port: Number(process.env.PORT || 8080),
    host: process.env.HOST,
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
  });
  wss.on('listening', () => process.send({ listening: true, slot }));

  process.on('SIGTERM', () => {
    for (const ws of wss.clients) ws.close(1001, 'server going away');
    wss.close();
    // The register flushes on SIGTERM; the process ends once the sockets are closed.
    setTimeout(() => {
      for (const ws of wss.clients) ws.terminate();
    }, 2000).unref();
    process.disconnect?.();
  });
}
