import { active } from '../active.js';
import { READY_STATE_OPEN } from '../internal-types.js';
import { recordBroadcast } from './fan-out.js';

/** What `broadcast()` did. */
export interface BroadcastResult {
  /** Sockets the payload was handed to. */
  sent: number;
  /** Sockets skipped: not open, or refused by the filter. */
  skipped: number;
  /** Sockets whose `send()` threw. */
  failed: number;
  durationMs: number;
}

export interface BroadcastOptions {
  /** Only sockets for which this returns true receive the payload. */
  filter?: (socket: BroadcastTarget) => boolean;
  /** Passed to each `send()`: `binary`, `compress`, `fin`, `mask`. */
  sendOptions?: Record<string, unknown>;
}

/** The part of a ws WebSocket `broadcast()` uses. */
export interface BroadcastTarget {
  readyState: number;
  send(data: unknown, options?: Record<string, unknown>): void;
}

/**
 * Sends `data` to every open socket in `targets` (a WebSocketServer, whose
 * `clients` are used, or any iterable of sockets) and records it as one
 * broadcast, the same way fan-out detection would. Works without an active
 * instrumentation too; it then just sends.
 */
export function broadcast(
  targets: Iterable<BroadcastTarget> | { clients: Iterable<BroadcastTarget> },
  data: unknown,
  options: BroadcastOptions = {},
): BroadcastResult {
  const sockets = Symbol.iterator in targets ? targets : targets.clients;
  const { filter, sendOptions } = options;
  const detector = active.current?.fanOut;
  const startedAt = performance.now();
  let sent = 0;
  let notOpen = 0;
  let filtered = 0;
  let failed = 0;
  if (detector) detector.paused = true;
  try {
    for (const socket of sockets) {
      if (socket.readyState !== READY_STATE_OPEN) {
        notOpen++;
        continue;
      }
      if (filter !== undefined && !filter(socket)) {
        filtered++;
        continue;
      }
      try {
        socket.send(data, sendOptions);
        sent++;
      } catch {
        failed++;
      }
    }
  } finally {
    if (detector) detector.paused = false;
  }
  const durationMs = performance.now() - startedAt;
  // The helper's contract is "every open socket": sockets that are not open or
  // that the filter left out were never meant to receive it, so only a send
  // that threw makes the outcome partial.
  const attempted = sent + failed;
  const metrics = active.current?.metrics;
  if (metrics !== undefined && attempted > 0) {
    recordBroadcast(metrics, attempted, sent, durationMs / 1000);
  }
  return { sent, skipped: notOpen + filtered, failed, durationMs };
}
