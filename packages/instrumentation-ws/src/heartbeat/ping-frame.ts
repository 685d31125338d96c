import { randomBytes } from 'node:crypto';
import type { WebSocketInternals } from '../internal-types.js';

// Our ping payload: 8 random bytes that name this process and the ping's
// sequence number, nothing else. The pong echoes it (RFC 6455 5.5.3), and the
// peer controls what it echoes: the round trip is timed from what the server
// noted when it sent the ping, never from the payload, and the payload
// carries no clock (a send time would show every client the process uptime).
export const PAYLOAD_BYTES = 12;
const TAG = randomBytes(8);
const TAG_LOW = TAG.readUInt32LE(0);
const TAG_HIGH = TAG.readUInt32LE(4);
/** FIN + opcode 0x9 (ping), then an unmasked 7-bit length: a server's ping frame header. */
const FRAME_HEAD = 0x89;
const FRAME_HEADER_BYTES = 2;

/** The parts of ws's Sender that say whether it is between frames (ws 7 and 8). */
interface SenderState {
  _queue?: unknown[];
  _deflating?: boolean;
  _state?: number;
}

type PingableSocket = WebSocketInternals & {
  _sender?: SenderState | null;
  ping(data: Buffer): void;
};

/**
 * Sends our ping on an open socket. A server's ping is unmasked, so when ws's
 * sender is idle (nothing queued, not compressing) the whole frame goes to the
 * socket as one buffer in one write: the same bytes ws would send, where
 * `ws.ping(payload)` writes header and payload as two buffers in a corked
 * writev and costs about a tenth more CPU at 10,000 pings a second. Client
 * sockets (masked frames) and busy senders go through `ws.ping()`.
 * Throws what `ws.ping()` throws.
 */
export function sendPing(socket: WebSocketInternals, seq: number): void {
  const ws = socket as PingableSocket;
  const sender = ws._sender;
  const wire = ws._socket;
  if (ws._isServer && wire != null && sender != null && senderIsIdle(sender)) {
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + PAYLOAD_BYTES);
    frame[0] = FRAME_HEAD;
    frame[1] = PAYLOAD_BYTES;
    writePayload(frame, FRAME_HEADER_BYTES, seq);
    wire.write(frame);
    return;
  }
  const payload = Buffer.allocUnsafe(PAYLOAD_BYTES);
  writePayload(payload, 0, seq);
  ws.ping(payload);
}

function senderIsIdle(sender: SenderState): boolean {
  return (
    sender._deflating !== true &&
    (sender._state === undefined || sender._state === 0) &&
    (sender._queue === undefined || sender._queue.length === 0)
  );
}

function writePayload(target: Buffer, offset: number, seq: number): void {
  target.writeUInt32LE(TAG_LOW, offset);
  target.writeUInt32LE(TAG_HIGH, offset + 4);
  target.writeUInt32LE(seq, offset + 8);
}

/** True when a pong's payload is one of this process's pings. */
export function isOurPong(data: unknown): data is Buffer {
  return (
    Buffer.isBuffer(data) &&
    data.length === PAYLOAD_BYTES &&
    data.readUInt32LE(0) === TAG_LOW &&
    data.readUInt32LE(4) === TAG_HIGH
  );
}

/** The sequence number a pong of ours echoes. */
export function pongSeq(data: Buffer): number {
  return data.readUInt32LE(8);
}
