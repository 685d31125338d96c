/**
 * The scale bench's server: a node:cluster primary that forks
 * BENCH_SCALE_WORKERS workers, each running server.mjs (the same application
 * as every other scenario) on one shared port. The primary itself loads
 * neither ws nor the instrumentation; only the workers get the variant's
 * flags (BENCH_SCALE_WORKER_ARGS, a JSON array: `--require …/register` for
 * the instrumented variant, or profiling flags). The orchestrator calls
 * `all`, which runs one of server.mjs's handlers in every worker and answers
 * with their replies, in worker order.
 */
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { connect, serve } from './ipc.mjs';

const workerCount = Number(process.env.BENCH_SCALE_WORKERS ?? 4);
const workerArgs = JSON.parse(process.env.BENCH_SCALE_WORKER_ARGS ?? '[]');
const port = Number(process.env.BENCH_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_PORT must name a free port');

/** Adds (or replaces) service.instance.id, so the backend tells the workers apart. */
function withInstanceId(attributes, id) {
  const others = (attributes ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && !pair.startsWith('service.instance.id='));
  return [...others, `service.instance.id=${id}`].join(',');
}

cluster.setupPrimary({
  exec: fileURLToPath(new URL('server.mjs', import.meta.url)),
  execArgv: workerArgs,
  // The workers' output is the bench's own (warnings, --trace-gc when asked).
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});

const workers = [];
for (let slot = 1; slot <= workerCount; slot++) {
  const worker = cluster.fork({
    BENCH_WORKER: String(slot),
    OTEL_RESOURCE_ATTRIBUTES: withInstanceId(
      process.env.OTEL_RESOURCE_ATTRIBUTES,
      `bench-worker-${slot}`,
    ),
  });
  const channel = connect(worker, `worker ${slot}`);
  workers.push({ worker, channel });
}
await Promise.all(workers.map(({ channel }) => channel.ready));

serve(
  {
    /** Runs server.mjs's handler `type` in every worker; their answers in worker order. */
    all({ type, args }) {
      return Promise.all(workers.map(({ channel }) => channel.call(type, args)));
    },
    /** The workers' process ids, for profilers that attach from outside. */
    pids() {
      return workers.map(({ worker }) => worker.process.pid);
    },
    /** Ends every worker the way server.mjs ends (so --cpu-prof writes its profile), then itself. */
    exit() {
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      });
      for (const { channel } of workers) channel.call('exit').catch(() => {});
      setTimeout(() => {
        for (const { worker } of workers) worker.process.kill('SIGKILL');
        process.exit(0);
      }, 10000).unref();
    },
  },
  { port, workers: workerCount },
);
