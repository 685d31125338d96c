/**
 * The scale bench: N connections (default 50,000) held by W node:cluster
 * workers (default 4) of the same application as every other scenario
 * (server.mjs), opened by several load-generator processes over loopback
 * source addresses. Variants, one after another in a rotated order each
 * round:
 *   - bare: no heartbeat;
 *   - bare + README sweep: ws's README heartbeat at the same interval;
 *   - instrumented: zero-code register, its heartbeat on at that interval,
 *     OTLP every 2 s into a real VictoriaMetrics (a fresh one per run).
 * Each run: memory at zero connections; open all; let the heartbeat settle;
 * hold for BENCH_SCALE_HOLD_S (default 60) with each worker's event-loop
 * delay sampled every millisecond and the backend's sum read every few
 * seconds; memory after full collection; a churn phase replacing 10% of the
 * connections per second; close all, and the backend must read 0.
 *
 *   pnpm bench:scale                                  (from the repository root)
 *   BENCH_QUICK=1 pnpm bench:scale                    smoke run: 5,000 connections, 1 round
 *   BENCH_SCALE_CONNECTIONS=20000 BENCH_SCALE_WORKERS=2 BENCH_ROUNDS=2 pnpm bench:scale
 *   BENCH_SCALE_VARIANTS=bare,instrumented            some variants only
 *   BENCH_SCALE_WORKER_ARGS='--trace-gc'              extra node flags for the workers
 *   BENCH_SCALE_STALLS=1                              also print each hold's long loop waits and
 *                                                     how much of them was off the CPU (stall-watch.mjs)
 *   node bench/scale.mjs --from results/scale-latest.json   print a saved run again
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVictoriaMetrics } from '../e2e/helpers/backends.mts';
import { HOW_TO_GET_THEM, locateBinaries } from '../e2e/helpers/binaries.mts';
import * as format from './format.mjs';
import {
  killStarted,
  share,
  snapshotInstrumentation,
  startCluster,
  startLoaders,
  stopAll,
} from './processes.mjs';
import { describeMachine, machineLine, writeResults } from './report.mjs';
import { renderScaleTable, SCALE_LEGEND, summariseScale } from './scale-summary.mjs';
import { LONG_WAIT_MS } from './stall-watch.mjs';

const quick = process.env.BENCH_QUICK === '1';
const SERVICE = 'ws-otel-bench-scale';
/** Most client connections one load generator holds: 20,000 open files per process, with room. */
const PER_LOADER = 15000;
/** Connections per loopback source address: one address reaches about 28,000 to one port. */
const PER_ADDRESS = 10000;

function integerEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name}=${raw} is not a positive integer`);
  return value;
}

function readParams() {
  const connections = integerEnv('BENCH_SCALE_CONNECTIONS', quick ? 5000 : 50000);
  const loaders = integerEnv('BENCH_SCALE_LOADERS', Math.ceil(connections / PER_LOADER));
  const variants = (process.env.BENCH_SCALE_VARIANTS ?? 'bare,sweep,instrumented')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const v of variants) {
    if (!['bare', 'sweep', 'instrumented'].includes(v))
      throw new Error(`BENCH_SCALE_VARIANTS: '${v}' is not bare, sweep or instrumented`);
  }
  return {
    connections,
    workers: integerEnv('BENCH_SCALE_WORKERS', quick ? 2 : 4),
    loaders,
    addressesPerLoader: Math.ceil(Math.ceil(connections / loaders) / PER_ADDRESS),
    heartbeatMs: integerEnv('BENCH_SCALE_HEARTBEAT_MS', 5000),
    exportMs: 2000,
    // Two heartbeat intervals: every connection has had its first ping.
    settleMs: 2 * integerEnv('BENCH_SCALE_HEARTBEAT_MS', 5000),
    holdS: integerEnv('BENCH_SCALE_HOLD_S', quick ? 20 : 60),
    churnS: integerEnv('BENCH_SCALE_CHURN_S', quick ? 10 : 20),
    churnShare: 0.1,
    backendEveryS: 10,
    rounds: integerEnv('BENCH_ROUNDS', quick ? 1 : 3),
    variants,
    workerArgs: (process.env.BENCH_SCALE_WORKER_ARGS ?? '').split(' ').filter(Boolean),
    // Opt-in: each worker notes its loop's long waits and their CPU (stall-watch.mjs).
    stalls: process.env.BENCH_SCALE_STALLS === '1',
  };
}

/** Polls `check` until it returns something other than undefined; throws after `timeoutMs`. */
async function until(what, check, timeoutMs, intervalMs = 250) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const sum = (items, pick) => items.reduce((total, item) => total + pick(item), 0);

/** The open connections over all workers, as the application counts them. */
async function openNow(server) {
  return sum(await server.all('counts'), (c) => c.clients);
}

/** Heap and RSS per worker after full collection, the least of three reads a third of an interval apart. */
async function leastMemory(server, intervalMs) {
  let least = await server.all('memory');
  for (let i = 1; i < 3; i++) {
    const reads = await server.all('memory', { settleMs: intervalMs / 3 });
    least = least.map((m, w) => (reads[w].heapUsed < m.heapUsed ? reads[w] : m));
  }
  return least;
}

/** What the backend holds: the sum of open connections over every worker's latest export. */
async function backendSum(vm) {
  const series = await vm.query(
    `sum(websocket_server_active_connections{service_name="${SERVICE}"})`,
  );
  return series.length === 0 ? undefined : series[0].values.at(-1)[1];
}

/** Waits until two exports have happened since now, then reads the backend's sum. */
async function backendAfterExports(vm, p) {
  await sleep(2 * p.exportMs + 500);
  return backendSum(vm);
}

function holdNumbers(windows) {
  const delay = windows.map((w) => w.eventLoopDelay);
  return {
    loopMaxMs: Math.max(...delay.map((d) => d.maxMs)),
    loopP99Ms: Math.max(...delay.map((d) => d.p99Ms)),
    cpuPerSecondMs: sum(windows, (w) => w.cpuUs / w.wallMs),
    perWorker: windows.map((w) => ({
      cpuPerSecondMs: w.cpuUs / w.wallMs,
      loopP99Ms: w.eventLoopDelay.p99Ms,
      loopMaxMs: w.eventLoopDelay.maxMs,
      opened: w.counts.opened,
      closed: w.counts.closed,
      stalls: w.stalls,
    })),
  };
}

/** One line on the workers' long waits: how many, how much of them off the CPU, the longest. */
function describeStalls(windows) {
  const all = windows.map((w) => w.stalls);
  const count = sum(all, (s) => s.longWaits);
  const longest = all
    .flatMap((s) => s.longest)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map(
      (g) =>
        `${format.number(g.ms, 1)} ms (CPU ${format.number(g.cpuMs, 1)}, GC ${format.number(g.gcMs, 1)})`,
    );
  const shares = all.map((s) => `${format.number(100 * s.offCpuShare, 0)}%`);
  return `${count} waits of ${LONG_WAIT_MS} ms or more over the workers; off the CPU, by worker: ${shares.join(', ')}; longest: ${longest.join(', ') || 'none'}`;
}

async function runOnce(variant, p, log) {
  const instrumented = variant === 'instrumented';
  let vm;
  let server;
  let loaders = [];
  try {
    const env = {
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_WS_HEARTBEAT_INTERVAL: String(p.heartbeatMs),
      BENCH_APP_HEARTBEAT_INTERVAL: String(p.heartbeatMs),
      OTEL_METRICS_EXPORTER: 'none',
    };
    if (instrumented) {
      // For experiments only: OTEL_WS_HEARTBEAT=off shows what the heartbeat costs.
      for (const pair of (process.env.BENCH_SCALE_INSTRUMENTED_ENV ?? '').split(' ')) {
        const at = pair.indexOf('=');
        if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
      }
      const { binaries, missing } = locateBinaries();
      if (binaries === undefined) {
        throw new Error(`VictoriaMetrics not found (${missing.join(', ')}): ${HOW_TO_GET_THEM}`);
      }
      vm = await startVictoriaMetrics(binaries);
      Object.assign(env, {
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: vm.otlpMetricsUrl,
        OTEL_METRIC_EXPORT_INTERVAL: String(p.exportMs),
      });
    }
    server = await startCluster(variant, { workers: p.workers, env, workerArgs: p.workerArgs });
    // The zero-connection cost is read after two export intervals in every
    // variant, so what the first export loads (the OTLP encoder) is fixed
    // cost, not charged to the connections.
    const before = await server.all('memory', { settleMs: 2 * p.exportMs + 500 });

    loaders = await startLoaders('load-connections.mjs', p.loaders, p.addressesPerLoader);
    const openedAt = performance.now();
    const opened = await Promise.all(
      loaders.map((loader, i) =>
        loader.call('open', {
          url: server.url,
          count: share(p.connections, loaders.length, i),
          addresses: loader.addresses,
        }),
      ),
    );
    const failures = sum(opened, (o) => o.failures);
    await until(
      `${p.connections} open connections`,
      async () => ((await openNow(server)) >= p.connections ? true : undefined),
      60000,
    );
    const openSeconds = (performance.now() - openedAt) / 1000;
    log(`open in ${format.number(openSeconds, 1)} s (${failures} client errors)`);
    await server.all('startAppHeartbeat');
    await sleep(p.settleMs);

    // The hold: every worker's loop delay, CPU and memory, the backend read as it goes.
    const whileOpen = [];
    await server.all('begin', { eventLoopDelay: true, stalls: p.stalls });
    const holdEnd = performance.now() + p.holdS * 1000;
    while (performance.now() < holdEnd) {
      await sleep(Math.min(p.backendEveryS * 1000, holdEnd - performance.now()));
      if (vm !== undefined) whileOpen.push(await backendSum(vm));
    }
    const hold = await server.all('end');
    const after = await leastMemory(server, p.heartbeatMs);
    const stillOpen = sum(after, (m) => m.clients);
    if (stillOpen !== p.connections) {
      throw new Error(`${stillOpen} of ${p.connections} connections open after the hold`);
    }
    const held = holdNumbers(hold);
    log(
      `hold: loop max ${format.number(held.loopMaxMs, 1)} ms, CPU ${format.number(held.cpuPerSecondMs, 0)} ms/s${vm ? `, backend ${whileOpen.join(' ')}` : ''}`,
    );
    if (p.stalls) log(`hold: ${describeStalls(hold)}`);

    // Churn: 10% of the connections replaced every second, the number open level.
    await server.all('begin', { eventLoopDelay: true });
    const churned = await Promise.all(
      loaders.map((loader, i) =>
        loader.call('churnHeld', {
          url: server.url,
          addresses: loader.addresses,
          perSecond: Math.round(share(p.connections, loaders.length, i) * p.churnShare),
          seconds: p.churnS,
        }),
      ),
    );
    const churnWindows = await server.all('end');
    const churn = holdNumbers(churnWindows);
    const churnOpened = sum(churnWindows, (w) => w.counts.opened);
    const churnCpuUs = sum(churnWindows, (w) => w.cpuUs);
    const churnWallS = Math.max(...churnWindows.map((w) => w.wallMs)) / 1000;
    // What opening and closing cost beyond holding: the hold's CPU rate taken off.
    const churnNetUs = churnCpuUs - held.cpuPerSecondMs * 1000 * churnWallS;
    // The count to compare with is the application's own (ws's `clients`),
    // once the server and the clients agree (the closes the churn started
    // have all arrived; the README sweep may have ended some since).
    let heldByLoaders = sum(churned, (c) => c.held);
    await until(
      'the server and the clients to agree after the churn',
      async () => {
        const [open, held] = await Promise.all([
          openNow(server),
          Promise.all(loaders.map((loader) => loader.call('held'))),
        ]);
        heldByLoaders = sum(held, (h) => h.held);
        return open === heldByLoaders ? true : undefined;
      },
      60000,
    ).catch((error) => log(`churn: ${error.message}; going on`));
    const churnSettledAt = performance.now();
    const afterChurn =
      vm === undefined
        ? undefined
        : await until(
            `the backend to read ${heldByLoaders} after the churn`,
            async () => {
              const value = await backendAfterExports(vm, p);
              return value === heldByLoaders ? value : undefined;
            },
            30000,
          ).catch(() => backendSum(vm));
    const backendSettleS = (performance.now() - churnSettledAt) / 1000;
    log(
      `churn: ${churnOpened} opened, loop max ${format.number(churn.loopMaxMs, 1)} ms, ${format.number(churnNetUs / churnOpened, 1)} µs per connection beyond the hold`,
    );

    await Promise.all(loaders.map((loader) => loader.call('closeAll')));
    await until(
      'every connection to close',
      async () => ((await openNow(server)) === 0 ? true : undefined),
      60000,
    );
    const afterClose =
      vm === undefined
        ? undefined
        : await until(
            'the backend to read 0',
            async () => {
              const value = await backendAfterExports(vm, p);
              return value === 0 ? 0 : undefined;
            },
            30000,
          ).catch(() => backendSum(vm));

    const perConnection = (key) =>
      (sum(after, (m) => m[key]) - sum(before, (m) => m[key])) / p.connections;
    return {
      connections: p.connections,
      openSeconds,
      clientErrors: failures + sum(churned, (c) => c.failures),
      loopMaxMs: held.loopMaxMs,
      loopP99Ms: held.loopP99Ms,
      cpuPerSecondMs: held.cpuPerSecondMs,
      rssPerConnection: perConnection('rss'),
      heapPerConnection: perConnection('heapUsed'),
      heapCommittedPerConnection: perConnection('heapTotal'),
      externalPerConnection: perConnection('external'),
      churnPerSecond: churnOpened / churnWallS,
      churnCpuPerConnectionUs: churnNetUs / churnOpened,
      churnLoopMaxMs: churn.loopMaxMs,
      churnLoopP99Ms: churn.loopP99Ms,
      backend:
        vm === undefined
          ? undefined
          : {
              whileOpen,
              afterChurn,
              afterChurnExpected: heldByLoaders,
              backendSettleS,
              afterClose,
            },
      perWorker: held.perWorker.map((w, i) => ({
        ...w,
        rssPerConnection: (after[i].rss - before[i].rss) / after[i].clients,
        heapPerConnection: (after[i].heapUsed - before[i].heapUsed) / after[i].clients,
        churnLoopMaxMs: churn.perWorker[i].loopMaxMs,
        churnCpuPerSecondMs: churn.perWorker[i].cpuPerSecondMs,
        holdMonotonicUs: hold[i].monotonicUs,
        churnMonotonicUs: churnWindows[i].monotonicUs,
      })),
      before,
      after,
    };
  } catch (error) {
    killStarted();
    return { error: String(error?.message ?? error) };
  } finally {
    await stopAll(loaders).catch(() => {});
    await server?.stop().catch(() => {});
    await vm?.stop().catch(() => {});
  }
}

function orderFor(variants, index) {
  const shift = index % variants.length;
  return [...variants.slice(shift), ...variants.slice(0, shift)];
}

function printReport(report) {
  console.log(`\n## Scale results\n\nMachine: ${machineLine(report.machine)}`);
  console.log(
    `${report.params.connections.toLocaleString('en-US')} connections over ${report.params.workers} workers, ${report.params.loaders} load generators; heartbeat every ${report.params.heartbeatMs / 1000} s; hold ${report.params.holdS} s; churn ${report.params.churnShare * 100}% per second for ${report.params.churnS} s; ${report.rounds.length} round(s); load average before ${format.number(report.loadAverageBefore)}, after ${format.number(report.loadAverageAfter)}\n`,
  );
  console.log(`${report.table}\n\n${SCALE_LEGEND}\n`);
  const errors = report.rounds.flatMap((round) =>
    Object.entries(round.runs)
      .filter(([, run]) => run.error !== undefined)
      .map(([variant, run]) => `- round ${round.round} ${variant}: ${run.error}`),
  );
  if (errors.length > 0) console.log(`## Failed runs (left out)\n\n${errors.join('\n')}\n`);
}

async function main() {
  const from = process.argv.indexOf('--from');
  if (from !== -1) {
    const report = JSON.parse(readFileSync(process.argv[from + 1], 'utf8'));
    report.summary = summariseScale(report.rounds, report.params);
    report.table = renderScaleTable(report.summary);
    printReport(report);
    return;
  }
  const p = readParams();
  const machine = { ...describeMachine(), build: snapshotInstrumentation() };
  const loadAverageBefore = os.loadavg()[0];
  const startedAt = new Date().toISOString();
  console.log(`# ws-otel scale benchmark${quick ? ' (quick mode)' : ''}\n`);
  console.log(`Machine: ${machineLine(machine)}`);
  console.log(`Parameters: ${JSON.stringify({ ...p, workerArgs: undefined })}\n`);
  const rounds = [];
  for (let index = 0; index < p.rounds; index++) {
    const order = orderFor(p.variants, index);
    const runs = {};
    for (const variant of order) {
      const log = (text) => console.log(`  round ${index + 1}/${p.rounds} ${variant}: ${text}`);
      runs[variant] = await runOnce(variant, p, log);
      if (runs[variant].error !== undefined) log(`ERROR ${runs[variant].error}`);
    }
    rounds.push({ round: index + 1, order, runs });
  }
  const summary = summariseScale(rounds, p);
  const report = {
    kind: 'scale',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    params: p,
    loadAverageBefore,
    loadAverageAfter: os.loadavg()[0],
    summary,
    table: renderScaleTable(summary),
    rounds,
  };
  printReport(report);
  console.log(`Full results: ${writeResults(report, 'scale-')}`);
}

process.on('SIGINT', () => {
  killStarted();
  process.exit(130);
});

main().catch((error) => {
  killStarted();
  console.error(error);
  process.exit(1);
});
