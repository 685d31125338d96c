/**
 * Load generator for the echo scenario: each connection keeps `inFlight`
 * messages outstanding and sends the next one as soon as an echo returns, so
 * the server always has data waiting. It reports its own CPU time, which tells
 * whether it, rather than the server, was the bottleneck.
 */
import { WebSocket } from 'ws';
import { serve } from './ipc.mjs';

const CLIENT_OPTIONS = { perMessageDeflate: false };
// A Buffer sent as text: the server sees text frames; the client skips string encoding.
const SEND_OPTIONS = { binary: false };

const sockets = [];
let payload;
let unsent = 0;
let outstanding = 0;
let finished;

function onEcho() {
  outstanding--;
  if (unsent > 0) {
    unsent--;
    outstanding++;
    this.send(payload, SEND_OPTIONS);
  } else if (outstanding === 0) {
    finished();
  }
}

function openOne(url, localAddress) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...CLIENT_OPTIONS, localAddress });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.on('message', onEcho);
  });
}

serve({
  async open({ url, count, addresses }) {
    for (let i = 0; i < count; i++)
      sockets.push(await openOne(url, addresses[i % addresses.length]));
    return { opened: sockets.length };
  },

  /** Sends `messages` messages of `size` bytes and resolves when every echo is back. */
  run({ messages, inFlight, size }) {
    payload = Buffer.alloc(size, 'e');
    unsent = messages;
    const cpu = process.cpuUsage();
    const startedAt = performance.now();
    return new Promise((resolve) => {
      finished = () => {
        const used = process.cpuUsage(cpu);
        resolve({
          messages,
          cpuUs: used.user + used.system,
          wallMs: performance.now() - startedAt,
        });
      };
      for (const ws of sockets) {
        for (let i = 0; i < inFlight && unsent > 0; i++) {
          unsent--;
          outstanding++;
          ws.send(payload, SEND_OPTIONS);
        }
      }
    });
  },

  exit() {
    setImmediate(() => process.exit(0));
  },
});
