/**
 * The application under test: an echo service on `ws` that can also broadcast.
 * Every variant runs this same file; only the way node is launched differs
 * (see processes.mjs). The orchestrator opens and closes measurement windows
 * over IPC; a window reports this process's CPU time, wall time, event-loop
 * utilisation and what the application saw.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket, WebSocketServer } from 'ws';
import { serve } from './ipc.mjs';

const counts = { opened: 0, closed: 0, received: 0, sent: 0, errors: 0 };

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 4096 });

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

function monotonicUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

const handlers = {
  /** Starts a window. Collects first so setup garbage is not charged to the workload. */
  async begin() {
    await collectGarbage();
    window = {
      monotonicUs: monotonicUs(),
      cpu: process.cpuUsage(),
      eventLoop: performance.eventLoopUtilization(),
      counts: { ...counts },
    };
  },

  /** Ends the window: CPU (user + system), wall time, loop utilisation, and what happened in it. */
  end() {
    const cpu = process.cpuUsage(window.cpu);
    const end = monotonicUs();
    const happened = {};
    for (const [name, value] of Object.entries(counts))
      happened[name] = value - window.counts[name];
    return {
      cpuUs: cpu.user + cpu.system,
      wallMs: (end - window.monotonicUs) / 1000,
      monotonicUs: { begin: window.monotonicUs, end },
      eventLoopUtilization: performance.eventLoopUtilization(window.eventLoop).utilization,
      counts: happened,
    };
  },

  /** Heap (after full collection), RSS and external memory, and the open connections. */
  async memory({ settleMs = 0 }) {
    if (settleMs > 0) await sleep(settleMs);
    await collectGarbage();
    const { heapUsed, rss, external } = process.memoryUsage();
    return { heapUsed, rss, external, clients: wss.clients.size };
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
