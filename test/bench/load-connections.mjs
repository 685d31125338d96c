/**
 * Load generator that opens, holds, counts and closes many idle client
 * connections. It serves the broadcast (receivers), churn, idle, heartbeat
 * and scrape scenarios. Connections are spread over the given loopback source
 * addresses because one address runs out of ephemeral ports near 28,000.
 * Each connection counts the server's pings (ws answers them on its own).
 */
import { WebSocket } from 'ws';
import { serve } from './ipc.mjs';

const CLIENT_OPTIONS = { perMessageDeflate: false };

const held = new Set();
let failures = 0;
let received = 0;
let messageWaiter;
let pingsSince = { cpu: process.cpuUsage(), wallMs: performance.now() };

function onMessage() {
  received++;
  if (messageWaiter !== undefined && received >= messageWaiter.target) {
    const { resolve, target } = messageWaiter;
    messageWaiter = undefined;
    received -= target;
    resolve();
  }
}

function onPing() {
  this.pings++;
}

/** Opens one connection; resolves with the socket, or undefined when it failed. */
function openOne(url, localAddress) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ...CLIENT_OPTIONS, localAddress });
    ws.pings = 0;
    ws.on('ping', onPing);
    let opened = false;
    ws.on('open', () => {
      opened = true;
      resolve(ws);
    });
    ws.on('message', onMessage);
    ws.on('error', () => {
      failures++;
    });
    ws.on('close', () => {
      held.delete(ws);
      if (!opened) resolve(undefined);
    });
  });
}

/** Opens `count` connections, at most `concurrency` handshakes at a time. */
async function openMany(url, count, addresses, concurrency) {
  const sockets = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      const index = next++;
      const ws = await openOne(url, addresses[index % addresses.length]);
      if (ws !== undefined) sockets.push(ws);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return sockets;
}

function closeAll(sockets) {
  return Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.close(1000);
        }),
    ),
  );
}

serve({
  /** Opens connections and keeps them open. */
  async open({ url, count, addresses, concurrency = 200 }) {
    const failuresBefore = failures;
    const sockets = await openMany(url, count, addresses, concurrency);
    for (const ws of sockets) held.add(ws);
    return { opened: sockets.length, held: held.size, failures: failures - failuresBefore };
  },

  /** Resolves when every held connection got `each` more messages (counted since the last wait). */
  waitForMessages({ each }) {
    const target = held.size * each;
    if (received >= target) {
      received -= target;
      return { target };
    }
    return new Promise((resolve) => {
      messageWaiter = { target, resolve: () => resolve({ target }) };
    });
  },

  /** Opens `total` connections in batches of `batch`; each batch is opened, then closed by the client. */
  async churn({ url, total, batch, addresses }) {
    const failuresBefore = failures;
    let opened = 0;
    for (let done = 0; done < total; done += batch) {
      const sockets = await openMany(url, Math.min(batch, total - done), addresses, batch);
      opened += sockets.length;
      await closeAll(sockets);
    }
    return { opened, failures: failures - failuresBefore };
  },

  /**
   * Pings each held connection got since the last call (fewest, most, and
   * how many connections got each count), and this process's CPU time over
   * the same span; then starts counting again.
   */
  takePings() {
    const perCount = {};
    let min = Infinity;
    let max = 0;
    for (const ws of held) {
      perCount[ws.pings] = (perCount[ws.pings] ?? 0) + 1;
      min = Math.min(min, ws.pings);
      max = Math.max(max, ws.pings);
      ws.pings = 0;
    }
    const cpu = process.cpuUsage(pingsSince.cpu);
    const now = performance.now();
    const result = {
      connections: held.size,
      min,
      max,
      perCount,
      cpuUs: cpu.user + cpu.system,
      wallMs: now - pingsSince.wallMs,
    };
    pingsSince = { cpu: process.cpuUsage(), wallMs: now };
    return result;
  },

  /**
   * Replaces `perSecond` of the held connections every second for `seconds`:
   * every 100 ms the oldest tenth of that number are closed by the client and
   * as many new ones opened, so the number open stays level. Reports what was
   * done; a tick that runs late does the work it missed, no more.
   */
  async churnHeld({ url, addresses, perSecond, seconds, concurrency = 200 }) {
    const failuresBefore = failures;
    const startedAt = performance.now();
    let due = 0;
    let opened = 0;
    let closed = 0;
    while (performance.now() - startedAt < seconds * 1000) {
      const target = Math.floor(((performance.now() - startedAt) / 1000) * perSecond);
      const count = target - due;
      due = target;
      const oldest = [];
      for (const ws of held) {
        if (oldest.length >= count) break;
        oldest.push(ws);
      }
      for (const ws of oldest) held.delete(ws);
      const [, sockets] = await Promise.all([
        closeAll(oldest),
        openMany(url, count, addresses, concurrency),
      ]);
      closed += oldest.length;
      opened += sockets.length;
      for (const ws of sockets) held.add(ws);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { opened, closed, held: held.size, failures: failures - failuresBefore };
  },

  /** The connections held open now. */
  held() {
    return { held: held.size };
  },

  async closeAll() {
    await closeAll([...held]);
    return { held: held.size };
  },

  exit() {
    setImmediate(() => process.exit(0));
  },
});
