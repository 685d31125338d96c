/**
 * The application under test: an echo service on `ws` that can also broadcast.
 * Every variant runs this same file; only the way node is launched differs
 * (see processes.mjs). The orchestrator opens and closes measurement windows
 * over IPC; a window reports this process's CPU time, wall time, event-loop
 * utilisation (and, when asked, event-loop delay) and what the application saw.
 *
 * BENCH_APP_HEARTBEAT=sweep adds the heartbeat the ws README recommends, every
 * BENCH_APP_HEARTBEAT_INTERVAL ms (default 1000): the heartbeat scenario's
 * baseline. Its interval starts when the orchestrator asks (`startAppHeartbeat`).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { WebSocket, WebSocketServer } from 'ws';
import { allocationSampler } from './alloc-sampler.mjs';
import { allocationCounter } from './allocation-counter.mjs';
import { serve } from './ipc.mjs';
import { stallWatch } from './stall-watch.mjs';

const counts = { opened: 0, closed: 0, received: 0, sent: 0, errors: 0, terminated: 0 };

// BENCH_PORT: the port every node:cluster worker of the scale bench shares (scale-primary.mjs).
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: Number(process.env.BENCH_PORT ?? 0),
  backlog: 4096,
});

wss.on('connection', (ws) => {
  counts.opened++;
  ws.on('message', (data, isBinary) => {
    counts.received++;
    ws.send(data, { binary: isBinary });
    counts.sent++;
  });
  ws.on('close', () => {
    counts.closed++;
  });
  ws.on('error', () => {
    counts.errors++;
  });
});

/** The ws README's pong listener: one function for every connection. */
function heartbeat() {
  this.isAlive = true;
}

/**
 * The ws README's heartbeat, as written there: an isAlive flag per
 * connection, and one setInterval that ends every client which did not
 * answer the last ping and pings the others, all in one turn of the loop.
 * The flag and listener are set from the start; the interval starts on
 * request, once every connection is open: started with the server, the 1 s
 * sweep ended about half of 10,000 healthy connections on two cores while
 * they were still opening, their pongs not read before the next sweep.
 */
function readmeSweep(intervalMs) {
  wss.on('connection', (ws) => {
    ws.isAlive = true;
    ws.on('pong', heartbeat);
  });
  return () => {
    const interval = setInterval(function ping() {
      wss.clients.forEach(function each(ws) {
        if (ws.isAlive === false) {
          counts.terminated++;
          ws.terminate();
          return;
        }
        ws.isAlive = false;
        ws.ping();
      });
    }, intervalMs);
    wss.on('close', () => clearInterval(interval));
  };
}

/** Starts the app's own heartbeat, if it has one. */
let startAppHeartbeat = () => {};
const appHeartbeat = process.env.BENCH_APP_HEARTBEAT;
if (appHeartbeat === 'sweep') {
  startAppHeartbeat = readmeSweep(Number(process.env.BENCH_APP_HEARTBEAT_INTERVAL ?? 1000));
} else if (appHeartbeat !== undefined && appHeartbeat !== '') {
  throw new Error(`BENCH_APP_HEARTBEAT=${appHeartbeat}: only 'sweep' is known`);
}

/** The fan-out loop most applications write. */
function broadcastToAll(payload) {
  for (const client of wss.clients) {
    if (client.readyState === WebSocket.OPEN) {
      client.send(payload);
      counts.sent++;
    }
  }
}

/** A full collection, repeated so that objects freed by finalizers go too. */
async function collectGarbage() {
  for (let i = 0; i < 3; i++) {
    global.gc();
    await sleep(20);
  }
}

let window;
/** Samples what each window allocates, for `profile.mjs` only (it slows the server). */
const allocations = allocationSampler();

/** The class of node's timers, to count them: unref'd ones included, which no other API lists. */
const Timeout = (() => {
  const timer = setTimeout(() => {}, 0);
  clearTimeout(timer);
  return timer.constructor;
})();

function monotonicUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

const handlers = {
  /**
   * Starts a window. Collects first so setup garbage is not charged to the
   * workload. `eventLoopDelay` also samples the event loop's delay, every
   * millisecond, for the window only; `stalls` also notes the loop's long
   * waits and where their time went (stall-watch.mjs).
   */
  async begin({ eventLoopDelay = false, stalls = false } = {}) {
    await collectGarbage();
    await allocations?.start();
    const delay = eventLoopDelay ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
    delay?.enable();
    window = {
      allocated: allocationCounter(),
      monotonicUs: monotonicUs(),
      cpu: process.cpuUsage(),
      threadCpu: process.threadCpuUsage(),
      eventLoop: performance.eventLoopUtilization(),
      delay,
      stalls: stalls ? stallWatch() : undefined,
      counts: { ...counts },
    };
    return window.counts;
  },

  /**
   * Ends the window: CPU (user + system), bytes allocated, wall time, loop utilisation, and
   * what happened in it; with the delay sampled, its p50, p99 and max in ms
   * (each sample includes the 1 ms resolution).
   */
  async end() {
    const cpu = process.cpuUsage(window.cpu);
    const threadCpu = process.threadCpuUsage(window.threadCpu);
    const end = monotonicUs();
    const allocatedBytes = window.allocated.stop();
    const { delay } = window;
    delay?.disable();
    const stalls = window.stalls?.stop();
    await allocations?.stop();
    const happened = {};
    for (const [name, value] of Object.entries(counts))
      happened[name] = value - window.counts[name];
    return {
      cpuUs: cpu.user + cpu.system,
      // The main thread alone: the rest of cpuUs is V8's and libuv's helper threads (GC, compiler).
      mainThreadUs: threadCpu.user + threadCpu.system,
      allocatedBytes,
      wallMs: (end - window.monotonicUs) / 1000,
      monotonicUs: { begin: window.monotonicUs, end },
      eventLoopUtilization: performance.eventLoopUtilization(window.eventLoop).utilization,
      eventLoopDelay: delay && {
        p50Ms: delay.percentile(50) / 1e6,
        p99Ms: delay.percentile(99) / 1e6,
        maxMs: delay.max / 1e6,
        samples: delay.count,
      },
      stalls,
      counts: happened,
    };
  },

  /**
   * Heap (after full collection), RSS and external memory, and the open
   * connections; with `countTimers`, the live timer objects too.
   */
  async memory({ settleMs = 0, countTimers = false }) {
    if (settleMs > 0) await sleep(settleMs);
    await collectGarbage();
    const { heapUsed, heapTotal, rss, external } = process.memoryUsage();
    const timers = countTimers ? v8.queryObjects(Timeout, { format: 'count' }) : undefined;
    // Committed and used bytes of each V8 heap space: where committed memory sits.
    const spaces = Object.fromEntries(
      v8
        .getHeapSpaceStatistics()
        .map((space) => [
          space.space_name,
          { committed: space.space_size, used: space.space_used_size },
        ]),
    );
    return { heapUsed, heapTotal, rss, external, spaces, clients: wss.clients.size, timers };
  },

  /** Starts the app's own heartbeat (BENCH_APP_HEARTBEAT); does nothing without one. */
  startAppHeartbeat() {
    startAppHeartbeat();
    startAppHeartbeat = () => {};
  },

  /** What the application has seen so far, and the connections open now. */
  counts() {
    return { ...counts, clients: wss.clients.size };
  },

  /** Resolves once every named count has reached its target. */
  async waitFor({ targets }) {
    while (Object.entries(targets).some(([name, target]) => counts[name] < target)) {
      await sleep(5);
    }
    return { ...counts };
  },

  /** `times` broadcasts of a `size`-byte payload, `intervalMs` apart, each in its own turn. */
  async broadcast({ times, size, intervalMs = 0 }) {
    const payload = Buffer.alloc(size, 0x61);
    for (let i = 0; i < times; i++) {
      broadcastToAll(payload);
      await sleep(intervalMs);
    }
  },

  exit() {
    setImmediate(() => process.exit(0));
  },
};

wss.on('listening', () => serve(handlers, { port: wss.address().port }));
