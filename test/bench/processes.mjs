/**
 * Starting and stopping the processes of one run: the server in one of its
 * variants and the load generators. Each run gets fresh processes so no
 * variant inherits another's JIT state, heap or sockets.
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from './ipc.mjs';

const require = createRequire(import.meta.url);

/** Resolved at run time, so `--require` works whatever the child's working directory. */
const REGISTER = require.resolve('@ws-otel/instrumentation-ws/register');
const PACKAGE_DIR = dirname(dirname(REGISTER));
const SNAPSHOTS_DIR = fileURLToPath(new URL('results/.snapshots/', import.meta.url));

/** What instrumented servers `--require`: the live build, or the snapshot once taken. */
let register = REGISTER;

/**
 * How each variant is launched. `bare2` is a second bare run in the same
 * round: the A/A comparison that shows the noise floor.
 */
export const VARIANTS = {
  bare: { label: 'bare', instrumented: false, env: {} },
  bare2: { label: "bare (A')", instrumented: false, env: {} },
  instrumented: { label: 'instrumented', instrumented: true, env: {} },
  // BENCH_CANDIDATE=<a built package's dist/register.js> puts another build
  // of the instrumentation in this column, interleaved with the rest: an A/B
  // of two builds against the same bare runs.
  histogram: process.env.BENCH_CANDIDATE
    ? {
        label: 'candidate build',
        instrumented: true,
        env: {},
        register: process.env.BENCH_CANDIDATE,
      }
    : {
        label: 'instrumented + histogram',
        instrumented: true,
        env: { OTEL_WS_MESSAGE_SIZE_HISTOGRAM: 'true' },
      },
  // The heartbeat scenario's baseline: bare with the ws README's ping sweep (see server.mjs).
  sweep: {
    label: 'bare + README sweep',
    instrumented: false,
    env: { BENCH_APP_HEARTBEAT: 'sweep' },
  },
  sweep2: {
    label: "bare + README sweep (A')",
    instrumented: false,
    env: { BENCH_APP_HEARTBEAT: 'sweep' },
  },
};

const STOP_TIMEOUT_MS = 5000;

/** Every child this process started and that has not exited yet. */
const live = new Set();

/** Kills the children this process started: after a hung run, or when the bench is interrupted. */
export function killStarted() {
  for (const child of live) child.kill('SIGKILL');
}

/** A short hash of the built files in `dir`: which build a report measured. */
function buildHash(dir) {
  const hash = createHash('sha256');
  // dist/ has a folder per concern: hash every .js file under it, by its path.
  for (const name of readdirSync(dir, { recursive: true }).sort()) {
    if (!name.endsWith('.js')) continue;
    hash.update(name);
    hash.update(readFileSync(join(dir, name)));
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * Copies the built package (its manifest and dist/) to
 * results/.snapshots/<hash>/, with node_modules linked back to the package's
 * own, and makes every later server load that copy. Each run starts a fresh
 * server, so without this a rebuild during the bench would mix two builds.
 * Returns the hash of the snapshot.
 */
export function snapshotInstrumentation() {
  const incoming = join(SNAPSHOTS_DIR, `incoming-${process.pid}`);
  rmSync(incoming, { recursive: true, force: true });
  cpSync(join(PACKAGE_DIR, 'dist'), join(incoming, 'dist'), {
    recursive: true,
    filter: (source) => !source.endsWith('.map') && !source.endsWith('.d.ts'),
  });
  cpSync(join(PACKAGE_DIR, 'package.json'), join(incoming, 'package.json'));
  // Hashed after copying, so the name matches what was copied even if a rebuild raced the copy.
  const hash = buildHash(join(incoming, 'dist'));
  const target = join(SNAPSHOTS_DIR, hash);
  if (existsSync(join(target, 'dist', 'register.js'))) {
    rmSync(incoming, { recursive: true, force: true });
  } else {
    rmSync(target, { recursive: true, force: true });
    symlinkSync(join(PACKAGE_DIR, 'node_modules'), join(incoming, 'node_modules'), 'dir');
    renameSync(incoming, target);
  }
  register = join(target, 'dist', 'register.js');
  return hash;
}

/** A port nobody listens on right now, for the Prometheus endpoint. */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** The caller's environment without OTEL_* settings or NODE_OPTIONS that would change a variant. */
function cleanEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return { ...env, ...extra };
}

async function startChild(file, label, execArgv, env, execPath = process.execPath) {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execPath,
    execArgv,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const channel = connect(child, label);
  const info = await channel.ready;
  return {
    label,
    info,
    pid: child.pid,
    call: channel.call,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      channel.call('exit').catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts server.mjs as `variant`. Every variant gets the same environment
 * (Prometheus reader on a free port) so only the `--require` and the
 * histogram flag differ. `execArgv` adds flags such as `--cpu-prof`;
 * `scenarioEnv` is what a scenario sets for all its variants alike;
 * `execPath` runs node through a wrapper such as valgrind (instructions.mjs).
 */
export async function startServer(variant, execArgv = [], scenarioEnv = {}, execPath = undefined) {
  const { instrumented, env, register: own } = VARIANTS[variant];
  const metricsPort = await freePort();
  // v8.queryObjects (timer counts in server.mjs) warns that it is experimental.
  const args = ['--expose-gc', '--disable-warning=ExperimentalWarning', ...execArgv];
  if (instrumented) args.push('--require', own ?? register);
  const server = await startChild(
    'server.mjs',
    `server (${variant})`,
    args,
    cleanEnv({
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      ...scenarioEnv,
      ...env,
    }),
    execPath,
  );
  return {
    ...server,
    variant,
    url: `ws://127.0.0.1:${server.info.port}`,
    metricsUrl: instrumented ? `http://127.0.0.1:${metricsPort}/metrics` : undefined,
  };
}

/**
 * Starts the scale bench's server as `variant`: a node:cluster primary
 * (scale-primary.mjs) with `workers` workers on one free port, each running
 * server.mjs with the variant's flags. `env` carries the exporter settings
 * the scale bench chose; `workerArgs` adds flags such as `--trace-gc`.
 */
export async function startCluster(variant, { workers, env = {}, workerArgs = [] }) {
  const { instrumented, env: variantEnv } = VARIANTS[variant];
  const port = await freePort();
  const args = ['--expose-gc', '--disable-warning=ExperimentalWarning', ...workerArgs];
  if (instrumented) args.push('--require', register);
  const primary = await startChild(
    'scale-primary.mjs',
    `cluster (${variant})`,
    [],
    cleanEnv({
      BENCH_PORT: String(port),
      BENCH_SCALE_WORKERS: String(workers),
      BENCH_SCALE_WORKER_ARGS: JSON.stringify(args),
      ...env,
      ...variantEnv,
    }),
  );
  return {
    ...primary,
    variant,
    url: `ws://127.0.0.1:${port}`,
    /** Runs server.mjs's handler `type` in every worker: their answers, in worker order. */
    all: (type, args = {}) => primary.call('all', { type, args }),
  };
}

/** Starts `count` load generators from `file`, each with its own loopback source addresses. */
export async function startLoaders(file, count, addressesEach) {
  const loaders = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startChild(file, `${file} #${i + 1}`, [], cleanEnv({})),
    ),
  );
  return loaders.map((loader, i) => ({ ...loader, addresses: sourceAddresses(i, addressesEach) }));
}

/** Loopback addresses 127.0.0.2 upwards, a separate range per load generator. */
function sourceAddresses(index, count) {
  return Array.from({ length: count }, (_, i) => `127.0.0.${2 + index * count + i}`);
}

export async function stopAll(processes) {
  await Promise.all(processes.map((p) => p.stop()));
}

/** Splits `total` into `parts` near-equal whole shares. */
export function share(total, parts, index) {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

/**
 * Opens `count` connections to the server, shared over the loaders, and waits
 * until the server has seen `openedInAll` (by default `count`) since it started.
 */
export async function openConnections(server, loaders, count, openedInAll = count) {
  await Promise.all(
    loaders.map((loader, i) =>
      loader.call('open', {
        url: server.url,
        count: share(count, loaders.length, i),
        addresses: loader.addresses,
      }),
    ),
  );
  await server.call('waitFor', { targets: { opened: openedInAll } });
}
