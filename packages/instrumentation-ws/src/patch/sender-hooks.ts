import type { Duplex } from 'node:stream';
import { type ConnectionRecord, kConnectionRecord } from '../connections/registry.js';
import {
  countMessage,
  DIRECTION_SENT,
  sentPayloadBytes,
  TYPE_BINARY,
  TYPE_TEXT,
} from '../connections/traffic.js';
import { READY_STATE_OPEN, SIDE_SERVER } from '../internal-types.js';
import type { HookContext } from './hook-context.js';
import type { PropertyPatcher } from './patcher.js';
import { kPatched } from './server-hooks.js';

/** The parts of a ws `Sender` (one per open connection) the send hook reads. */
interface SenderInternals {
  _socket: Duplex;
  [kConnectionRecord]?: ConnectionRecord;
}

/** The options `WebSocket#send` hands its sender: always complete, never the app's object. */
interface FrameOptions {
  binary: boolean;
  fin: boolean;
}

/**
 * Links an open connection's `Sender` to its record, and hooks the Sender
 * class the first time one is seen. Sent messages are counted here, one call
 * below `WebSocket#send`, so the wrapper the app's own `send()` call meets
 * stays small; and the Sender sees what ws decided (the frame type, `fin`,
 * numbers already turned into strings) instead of our code repeating ws's
 * option logic.
 */
export function attachSender(
  ctx: HookContext,
  patcher: PropertyPatcher,
  sender: unknown,
  record: ConnectionRecord,
): void {
  if (typeof sender !== 'object' || sender === null) return;
  const prototype = Object.getPrototypeOf(sender) as object | null;
  if (prototype === null || !patchSender(prototype, ctx, patcher)) return;
  (sender as SenderInternals)[kConnectionRecord] = record;
}

/** Wraps `Sender.prototype.send` once; false when another instance owns it. */
function patchSender(prototype: object, ctx: HookContext, patcher: PropertyPatcher): boolean {
  const claim = patcher.claim(prototype, kPatched);
  if (claim !== 'new') return claim === 'ours';
  patcher.wrapMethod(
    prototype,
    'send',
    (original) =>
      function send(this: SenderInternals, data: unknown, options: FrameOptions) {
        const record = this[kConnectionRecord];
        if (record !== undefined) countSent(ctx, record, data, options);
        const result = original.apply(this, arguments);
        // Data left in the socket's own buffer after a send means the peer is
        // not keeping up: such connections are the ones the backpressure
        // gauges read at collection, instead of all of them.
        if (record !== undefined && !record.queued && this._socket.writableLength > 0) {
          ctx.registry.noteQueued(record);
        }
        return result;
      },
  );
  return true;
}

/** One `send()` on an open connection: a message (or a fragment of one) and its bytes. */
function countSent(
  ctx: HookContext,
  record: ConnectionRecord,
  data: unknown,
  options: FrameOptions,
): void {
  const { side } = record;
  if (side === SIDE_SERVER && ctx.config.broadcastDetection) {
    ctx.fanOut.noteSend(record, data, READY_STATE_OPEN);
  }
  const type = options.binary ? TYPE_BINARY : TYPE_TEXT;
  countMessage(ctx, side, DIRECTION_SENT, type, sentPayloadBytes(data), options.fin);
}
