/**
 * Reads the first bytes of a WebSocket frame (RFC 6455 5.2), as ws's
 * `Sender.frame()` builds it: a list whose first buffer starts with the
 * header. Nothing here allocates.
 */

export const OPCODE_CONTINUATION = 0x0;
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;

/** The frame's first buffer, when `list` looks like what `Sender.frame()` returns. */
export function frameHead(list: unknown): Uint8Array | undefined {
  if (!Array.isArray(list)) return undefined;
  const head: unknown = list[0];
  return head instanceof Uint8Array && head.length >= 2 ? head : undefined;
}

/** Opcodes 0x0 to 0x7 carry data (continuation, text, binary, reserved); 0x8 and up are control frames. */
export function isDataFrame(head: Uint8Array): boolean {
  return (head[0]! & 0x08) === 0;
}

export function opcodeOf(head: Uint8Array): number {
  return head[0]! & 0x0f;
}

export function isFinal(head: Uint8Array): boolean {
  return (head[0]! & 0x80) !== 0;
}

/** The payload length the header announces; 0 when the header is cut short. */
export function payloadLength(head: Uint8Array): number {
  const length = head[1]! & 0x7f;
  if (length < 126) return length;
  if (length === 126) return head.length >= 4 ? (head[2]! << 8) | head[3]! : 0;
  if (head.length < 10) return 0;
  // A 64-bit length; ws never writes one above 2^53.
  let value = 0;
  for (let i = 2; i < 10; i++) value = value * 256 + head[i]!;
  return value;
}
