import type { Side } from '../internal-types.js';

export const DIRECTION_SENT = 0;
export const DIRECTION_RECEIVED = 1;
export const TYPE_TEXT = 0;
export const TYPE_BINARY = 1;

/** Index of one (side, direction, type) cell in the traffic arrays. */
export function trafficIndex(side: Side, direction: number, type: number): number {
  return side * 4 + direction * 2 + type;
}

/**
 * Message and byte totals since the process started, as plain numbers. The
 * per-message path only increments these; observable counters read them at
 * collection time. Float64 holds integers exactly up to 2^53.
 */
export class TrafficCounters {
  readonly messages = new Float64Array(8);
  readonly bytes = new Float64Array(8);
}

/** What counting a message needs from the hooks' context. */
interface MessageCounting {
  readonly traffic: TrafficCounters;
  readonly config: { readonly messageSizeHistogram: boolean };
  readonly metrics: {
    recordMessageSize(side: Side, direction: number, type: number, bytes: number): void;
  };
}

/**
 * One message of `bytes` payload bytes, sent or received; `whole` is false
 * for a fragment that does not end its message (its bytes count, the message
 * is counted with its last fragment).
 */
export function countMessage(
  ctx: MessageCounting,
  side: Side,
  direction: number,
  type: number,
  bytes: number,
  whole = true,
): void {
  const index = trafficIndex(side, direction, type);
  if (whole) ctx.traffic.messages[index]!++;
  ctx.traffic.bytes[index]! += bytes;
  if (ctx.config.messageSizeHistogram) {
    ctx.metrics.recordMessageSize(side, direction, type, bytes);
  }
}

// A broadcast sends one string to every socket: its UTF-8 length is worked
// out once, not once per recipient. Holds one string alive at most.
let lastSentString = '';
let lastSentStringBytes = 0;

/** Payload bytes of what `send()` was given, as ws will frame it. */
export function sentPayloadBytes(data: unknown): number {
  if (typeof data === 'string') {
    if (data !== lastSentString) {
      lastSentString = data;
      lastSentStringBytes = Buffer.byteLength(data);
    }
    return lastSentStringBytes;
  }
  if (typeof data === 'object' && data !== null) {
    const byteLength = (data as { byteLength?: unknown }).byteLength;
    if (typeof byteLength === 'number') return byteLength;
    // ws turns other array-likes into a Buffer with one byte per element.
    if (Array.isArray(data)) return data.length;
    if (data instanceof Blob) return data.size;
    return 0;
  }
  if (typeof data === 'number') return String(data).length;
  return 0;
}

/** Payload bytes of a received message in any of ws's binary types. */
export function receivedPayloadBytes(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (typeof data !== 'object' || data === null) return 0;
  const byteLength = (data as { byteLength?: unknown }).byteLength;
  if (typeof byteLength === 'number') return byteLength;
  if (Array.isArray(data)) {
    // binaryType 'fragments': an array of Buffers.
    let total = 0;
    for (const fragment of data) total += (fragment as Buffer).byteLength ?? 0;
    return total;
  }
  if (data instanceof Blob) return data.size;
  return 0;
}
