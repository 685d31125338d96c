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
import {
  frameHead,
  isDataFrame,
  isFinal,
  OPCODE_BINARY,
  OPCODE_CONTINUATION,
  opcodeOf,
  payloadLength,
} from './frame-header.js';
import type { HookContext } from './hook-context.js';
import type { PropertyPatcher } from './patcher.js';
import { safely } from './safely.js';
import { kPatched } from './server-hooks.js';

const kFramesOwed: unique symbol = Symbol('ws-otel.frames-owed');
const kPrebuiltType: unique symbol = Symbol('ws-otel.prebuilt-type');

/** The parts of a ws `Sender` (one per open connection) the hooks read and keep. */
interface SenderInternals {
  _socket: Duplex;
  /** ws 8.18 and later: 0 when idle, else compressing or reading a Blob. */
  _state?: number;
  /** ws 7 and 8 before 8.18: compressing. */
  _deflating?: boolean;
  [kConnectionRecord]?: ConnectionRecord;
  /**
   * Data frames `send` has counted that have not reached `sendFrame` yet: one
   * per `send`, late when ws compresses, reads a Blob or queues behind either.
   */
  [kFramesOwed]: number;
  /**
   * Type of the last message written as pre-built frames, for its
   * continuation frames; set on the senders that see one only.
   */
  [kPrebuiltType]?: number;
}

/** The options `WebSocket#send` hands its sender: always complete, never the app's object. */
interface FrameOptions {
  binary: boolean;
  fin: boolean;
}

/**
 * Links an open connection's `Sender` to its record, and hooks the Sender
 * class the first time one is seen. Called when ws emits `'open'`, which is
 * before any listener can send. Every data frame ws writes passes
 * `Sender#sendFrame`, most of them from `Sender#send`:
 * - `send` counts the message (the type and `fin` ws decided, the payload
 *   before compression) and sees fan-out by payload;
 * - `sendFrame` counts, from the frame header, the data frames nobody
 *   counted in `send`: frames built beforehand with `Sender.frame()` and
 *   written directly, as engine.io (socket.io) does for broadcasts.
 */
export function attachSender(
  ctx: HookContext,
  patcher: PropertyPatcher,
  sender: unknown,
  record: ConnectionRecord,
): void {
  if (typeof sender !== 'object' || sender === null) return;
  const linked = sender as SenderInternals;
  if (linked[kConnectionRecord] === record) return;
  const prototype = Object.getPrototypeOf(sender) as object | null;
  if (prototype === null || !patchSender(prototype, ctx, patcher)) return;
  linked[kFramesOwed] = 0;
  linked[kConnectionRecord] = record;
}

/** Wraps `send` and `sendFrame` of `Sender.prototype` once; false when another instance owns it. */
function patchSender(prototype: object, ctx: HookContext, patcher: PropertyPatcher): boolean {
  const claim = patcher.claim(prototype, kPatched);
  if (claim !== 'new') return claim === 'ours';
  patcher.wrapMethod(
    prototype,
    'send',
    (original) =>
      function send(this: SenderInternals, data: unknown, options: FrameOptions, cb: unknown) {
        const record = this[kConnectionRecord];
        if (record === undefined) return original.apply(this, arguments);
        this[kFramesOwed]++;
        let result: unknown;
        try {
          // WebSocket#send always passes three arguments; a direct call keeps the send path inlinable.
          result =
            arguments.length === 3
              ? original.call(this, data, options, cb)
              : original.apply(this, arguments);
        } catch (error) {
          // ws refused the data before framing it (a value it cannot turn
          // into bytes): no frame is coming, and no message was sent.
          this[kFramesOwed]--;
          throw error;
        }
        countSent(ctx, record, data, options);
        return result;
      },
  );
  patcher.wrapMethod(
    prototype,
    'sendFrame',
    (original) =>
      function sendFrame(this: SenderInternals, list: unknown, cb: unknown) {
        const record = this[kConnectionRecord];
        if (record === undefined) return original.apply(this, arguments);
        const head = frameHead(list);
        if (head !== undefined && isDataFrame(head)) {
          // ws writes a frame it owes only when idle: while it compresses or
          // reads a Blob it queues its own sends, so a frame then is someone else's.
          if (this[kFramesOwed] > 0 && !(this._state! > 0 || this._deflating === true)) {
            this[kFramesOwed]--;
          } else {
            safely(countPrebuilt, ctx, this, record, list, head);
          }
        }
        const result =
          arguments.length === 2 ? original.call(this, list, cb) : original.apply(this, arguments);
        // Data left in the socket's own buffer after a frame means the peer is
        // not keeping up: such connections are the ones the backpressure
        // gauges read at collection, instead of all of them.
        if (!record.queued && this._socket.writableLength > 0) ctx.registry.noteQueued(record);
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
  const type = options.binary ? TYPE_BINARY : TYPE_TEXT;
  countFrame(ctx, record, data, READY_STATE_OPEN, type, sentPayloadBytes(data), options.fin);
}

/**
 * A data frame written without `send`: its header says the type, whether it
 * ends its message, and the payload length (the bytes on the wire: a
 * pre-built frame that is compressed counts its compressed size). One frame
 * list written to several server sockets in one run is a fan-out.
 */
function countPrebuilt(
  ctx: HookContext,
  sender: SenderInternals,
  record: ConnectionRecord,
  list: unknown,
  head: Uint8Array,
): void {
  const opcode = opcodeOf(head);
  let type = sender[kPrebuiltType] ?? TYPE_TEXT;
  if (opcode !== OPCODE_CONTINUATION) {
    type = opcode === OPCODE_BINARY ? TYPE_BINARY : TYPE_TEXT;
    sender[kPrebuiltType] = type;
  }
  countFrame(
    ctx,
    record,
    list,
    record.socket._readyState,
    type,
    payloadLength(head),
    isFinal(head),
  );
}

/** What both ways of sending share: fan-out by payload (server side), then the count. */
function countFrame(
  ctx: HookContext,
  record: ConnectionRecord,
  payload: unknown,
  readyState: number,
  type: number,
  bytes: number,
  fin: boolean,
): void {
  const { side } = record;
  if (side === SIDE_SERVER && ctx.config.broadcastDetection) {
    ctx.fanOut.noteSend(record, payload, readyState);
  }
  countMessage(ctx, side, DIRECTION_SENT, type, bytes, fin);
}
