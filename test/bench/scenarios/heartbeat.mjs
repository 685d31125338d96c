/**
 * heartbeat: 10,000 open connections pinged every second. Our scheduler
 * (zero-code, OTEL_WS_HEARTBEAT_INTERVAL=1000, the app's own sweep off)
 * against the ws README's heartbeat in the bare server: one setInterval that
 * pings every client in one turn (BENCH_APP_HEARTBEAT=sweep, see server.mjs).
 * Measures the server's CPU per second, the event loop's delay (p99 and max,
 * sampled every millisecond) over a window that starts once every connection
 * is on its steady schedule, and heap per connection. The load generators
 * count the pings each connection got, so a variant that stopped pinging
 * fails its run instead of looking cheap.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as format from '../format.mjs';
import { openConnections, startLoaders, stopAll } from '../processes.mjs';
import { completeRounds, spread, values, variation } from '../stats.mjs';
import { comparisonRow } from './compare.mjs';

const VARIANTS = ['sweep', 'instrumented', 'sweep2'];
/** The table's columns: the README sweep is this scenario's baseline and its own A/A. */
const COLUMNS = { bare: 'sweep', aa: 'sweep2', instrumented: 'instrumented' };

/** Every connection's ping count in the window must be within this of window ÷ interval. */
const PING_TOLERANCE = 1;

/** Counts of pings per connection from every load generator, merged. */
function mergePings(reports) {
  const perCount = {};
  for (const report of reports) {
    for (const [pings, connections] of Object.entries(report.perCount)) {
      perCount[pings] = (perCount[pings] ?? 0) + connections;
    }
  }
  return {
    connections: reports.reduce((sum, r) => sum + r.connections, 0),
    min: Math.min(...reports.map((r) => r.min)),
    max: Math.max(...reports.map((r) => r.max)),
    perCount,
  };
}

/**
 * Heap after full collection, read three times a third of an interval apart,
 * the least kept: a collection just after the README sweep finds 10,000
 * pings and pongs in flight (about 1 kB per connection more).
 */
async function leastHeap(server, intervalMs) {
  const first = await server.call('memory', { countTimers: true });
  let least = first;
  for (let i = 1; i < 3; i++) {
    const memory = await server.call('memory', { settleMs: intervalMs / 3 });
    if (memory.heapUsed < least.heapUsed) least = memory;
  }
  return { ...least, timers: first.timers, clients: first.clients };
}

export default {
  name: 'heartbeat',
  variants: VARIANTS,
  baseline: 'sweep',

  params(quick) {
    return {
      connections: quick ? 2000 : 10000,
      intervalMs: 1000,
      // A connection's first ping comes 0.75 to 1.75 intervals after it opens
      // (the README sweep's within one): after 3, every schedule is steady.
      settleMs: 3000,
      windowMs: quick ? 5000 : 10000,
      loaders: 2,
      addresses: 4,
    };
  },

  /** Both sides ping at the same interval; only the sweep variants turn the app's sweep on. */
  serverEnv(p) {
    return {
      OTEL_WS_HEARTBEAT_INTERVAL: String(p.intervalMs),
      BENCH_APP_HEARTBEAT_INTERVAL: String(p.intervalMs),
    };
  },

  async run(server, p) {
    const before = await server.call('memory', { settleMs: 200, countTimers: true });
    const loaders = await startLoaders('load-connections.mjs', p.loaders, p.addresses);
    try {
      await openConnections(server, loaders, p.connections);
      // The README sweep's interval starts now (see server.mjs); ours has run all along.
      await server.call('startAppHeartbeat');
      await sleep(p.settleMs);
      const atBegin = await server.call('begin', { eventLoopDelay: true });
      await Promise.all(loaders.map((loader) => loader.call('takePings')));
      await sleep(p.windowMs);
      const window = await server.call('end');
      const loads = await Promise.all(loaders.map((loader) => loader.call('takePings')));
      const after = await leastHeap(server, p.intervalMs);
      const pings = { ...mergePings(loads), expected: window.wallMs / p.intervalMs };
      if (after.clients !== p.connections || window.counts.closed > 0) {
        throw new Error(
          `${after.clients} of ${p.connections} connections open; the sweep ended ${atBegin.terminated} before the window and ${window.counts.terminated} in it, ${window.counts.closed} closed in it`,
        );
      }
      const fewest = Math.floor(pings.expected) - PING_TOLERANCE;
      const most = Math.ceil(pings.expected) + PING_TOLERANCE;
      if (pings.connections !== p.connections || pings.min < fewest || pings.max > most) {
        throw new Error(
          `pings per connection ${pings.min}–${pings.max} over ${pings.connections} connections, expected ${fewest}–${most}: ${JSON.stringify(pings.perCount)}`,
        );
      }
      return {
        cpuPerSecondMs: window.cpuUs / window.wallMs,
        eventLoopDelayP50Ms: window.eventLoopDelay.p50Ms,
        eventLoopDelayP99Ms: window.eventLoopDelay.p99Ms,
        eventLoopDelayMaxMs: window.eventLoopDelay.maxMs,
        heapPerConnection: (after.heapUsed - before.heapUsed) / p.connections,
        timersAdded: after.timers - before.timers,
        eventLoopUtilization: window.eventLoopUtilization,
        loaderCpuShare:
          loads.reduce((sum, load) => sum + load.cpuUs / (load.wallMs * 1000), 0) / loads.length,
        pings,
        window,
        before,
        after,
      };
    } finally {
      await stopAll(loaders);
    }
  },

  summarise(rounds, p) {
    const connections = p.connections.toLocaleString('en-US');
    const row = (options) => comparisonRow(rounds, { ...options, columns: COLUMNS });
    return {
      rows: [
        row({
          key: 'cpuPerSecondMs',
          metric: `server CPU per second, ${connections} connections pinged every ${p.intervalMs / 1000} s (bare column: README sweep)`,
          unit: 'ms/s',
          digits: 1,
          compare: 'ratio',
          target: { text: '≤ 1.00 × sweep', limit: 1.0 },
        }),
        row({
          key: 'eventLoopDelayP99Ms',
          metric: 'event-loop delay p99 (1 ms sampling; each variant absolute)',
          unit: 'ms',
          digits: 1,
          compare: 'absolute',
          target: { text: '≤ 10 ms', limit: 10 },
        }),
        row({
          key: 'eventLoopDelayMaxMs',
          metric: 'event-loop delay max (each variant absolute)',
          unit: 'ms',
          digits: 1,
          compare: 'absolute',
          target: { text: '≤ 20 ms', limit: 20 },
        }),
        row({
          key: 'heapPerConnection',
          metric: 'heap per connection',
          unit: 'B',
          digits: 0,
          compare: 'delta',
          target: { text: '≤ sweep + 256 B', limit: 256 },
        }),
        row({
          key: 'timersAdded',
          metric: `timer objects added by ${connections} connections (each variant absolute)`,
          unit: 'timers',
          digits: 0,
          compare: 'absolute',
          target: { text: 'none per connection', limit: p.connections / 100 },
        }),
      ],
      check: pingCheck(rounds, p),
    };
  },
};

/** What the load generators saw: pings per connection in each variant, and their own CPU. */
function pingCheck(rounds, p) {
  const complete = completeRounds(rounds, VARIANTS);
  if (complete.length === 0) return undefined;
  const seen = (variant) => {
    const runs = complete.map((round) => round.runs[variant]);
    const min = Math.min(...runs.map((run) => run.pings.min));
    const max = Math.max(...runs.map((run) => run.pings.max));
    return `${min}–${max}`;
  };
  const sweepCpu = values(complete, 'cpuPerSecondMs', 'sweep');
  const loader = spread(values(complete, 'loaderCpuShare', 'instrumented'));
  const sweepElu = spread(values(complete, 'eventLoopUtilization', 'sweep'));
  const expected = p.windowMs / p.intervalMs;
  return {
    scenario: 'heartbeat',
    cv: variation(sweepCpu),
    text: [
      `pings per connection in the ${p.windowMs / 1000} s window (expected ${expected}): README sweep ${seen('sweep')}, A' ${seen('sweep2')}, instrumented ${seen('instrumented')}, over ${complete.length} rounds`,
      `README sweep CPU/s CV ${format.percent(variation(sweepCpu))}`,
      `README sweep event-loop utilisation ${format.number(sweepElu.median)}`,
      `load generators ${format.percent(loader.median, 0)} of one core each (instrumented)`,
    ].join('; '),
  };
}
