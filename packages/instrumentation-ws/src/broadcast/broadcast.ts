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
 * instrumentation too; it then just sends. Entries that are not sockets are
 * skipped. Throws a TypeError, before sending anything, when `targets` is
 * neither (a server with `clientTracking: false` has no `clients`), when
 * `options` is not an object, or when `filter` is not a function.
 */
export function broadcast(
  targets: Iterable<BroadcastTarget> | { clients: Iterable<BroadcastTarget> },
  data: unknown,
  options: BroadcastOptions = {},
): BroadcastResult {
  const sockets = socketsOf(targets);
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`broadcast(): options must be an object, got ${describe(options)}`);
  }
  const { filter, sendOptions } = options;
  if (filter !== undefined && typeof filter !== 'function') {
    throw new TypeError(`broadcast(): options.filter must be a function, got ${describe(filter)}`);
  }
  const detector = active.current?.fanOut;
  const startedAt = performance.now();
  let sent = 0;
  let notOpen = 0;
  let filtered = 0;
  let failed = 0;
  if (detector) detector.paused = true;
  try {
    for (const socket of sockets) {
      if (!isSocket(socket) || socket.readyState !== READY_STATE_OPEN) {
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

function socketsOf(targets: unknown): Iterable<BroadcastTarget> {
  if (isIterable(targets) && typeof targets !== 'string')
    return targets as Iterable<BroadcastTarget>;
  // A WebSocketServer made with clientTracking: false has no `clients` at all.
  const server = targets as { clients?: unknown; handleUpgrade?: unknown } | null;
  if (
    server !== null &&
    typeof server === 'object' &&
    ('clients' in server || typeof server.handleUpgrade === 'function')
  ) {
    const { clients } = server;
    if (isIterable(clients)) return clients as Iterable<BroadcastTarget>;
    throw new TypeError(
      'broadcast(): the server has no client set (created with clientTracking: false?); pass an iterable of sockets',
    );
  }
  throw new TypeError(
    `broadcast(): targets must be a WebSocketServer or an iterable of sockets, got ${describe(targets)}`,
  );
}

function isIterable(value: unknown): boolean {
  return (
    value != null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}

function isSocket(value: unknown): value is BroadcastTarget {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as BroadcastTarget).send === 'function'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
