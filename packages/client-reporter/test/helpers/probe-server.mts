// A plain ws server that speaks the reporter's protocol by itself, so these
// tests need no instrumentation: it answers probes (unless told to stay
// silent) and keeps every frame each connection received.
import { once } from 'node:events';
import { type WebSocket, WebSocketServer } from 'ws';
import { ackFrame, FRAME_TAG } from '../../dist/index.js';

export interface Peer {
  socket: WebSocket;
  frames: string[];
}

export interface ProbeServer {
  url: string;
  peers: Peer[];
  /** Stop acking probes (to provoke probe timeouts). */
  silent: boolean;
  close(): Promise<void>;
}

const PROBE_PREFIX = `${FRAME_TAG}probe `;

export async function startProbeServer(): Promise<ProbeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const peers: Peer[] = [];
  const server: ProbeServer = {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    peers,
    silent: false,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
  wss.on('connection', (socket) => {
    const peer: Peer = { socket, frames: [] };
    peers.push(peer);
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data);
      peer.frames.push(text);
      if (!server.silent && text.startsWith(PROBE_PREFIX)) {
        socket.send(ackFrame(text.slice(PROBE_PREFIX.length)));
      }
    });
  });
  return server;
}

/** Polls `check` every 20 ms until it returns true; fails after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A Node global WebSocket that has opened. */
export async function openSocket(url: string): Promise<globalThis.WebSocket> {
  const socket = new globalThis.WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`could not open ${url}`)), {
      once: true,
    });
  });
  return socket;
}
