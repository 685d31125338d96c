import type { Attributes } from '@opentelemetry/api';
import {
  type HookContext,
  READY_STATE_OPEN,
  SIDE_CLIENT,
  SIDE_SERVER,
  type Side,
  type WebSocketInternals,
} from './internal-types.js';
import { clientHandshakeErrorType, closeAttributes, errorTypeOf } from './outcomes.js';
import type { PropertyPatcher } from './patcher.js';
import {
  ConnectionRecord,
  kConnectionRecord,
  LOCAL_END_CLOSE,
  LOCAL_END_TERMINATE,
} from './registry.js';
import { handleReporterFrame } from './reports.js';
import { safely } from './safely.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ERROR_TYPE_VALUE_ABORTED,
  ERROR_TYPE_VALUE_SEND_NOT_OPEN,
} from './semconv.js';
import { finishServerHandshake, kPatched } from './server-hooks.js';
import {
  DIRECTION_RECEIVED,
  DIRECTION_SENT,
  receivedPayloadBytes,
  sentPayloadBytes,
  TYPE_BINARY,
  TYPE_TEXT,
  trafficIndex,
} from './traffic.js';

/** A client's opening handshake: ws's `_req`, kept here while our accessor stands in. */
interface ClientHandshake {
  req: unknown;
  startedAt: number;
  errorType: string | undefined;
  status: number | undefined;
  done: boolean;
}

type Socket = WebSocketInternals & {
  [kConnectionRecord]?: ConnectionRecord;
  [kClientHandshake]?: ClientHandshake;
};

const kClientHandshake: unique symbol = Symbol('ws-otel.client-handshake');
const SUCCESS: Attributes = {};

/**
 * Hooks `WebSocket.prototype`, shared by server and client sockets of ws 7
 * and 8: `setSocket` (open), `emit` (messages and errors), `send`, `close`,
 * `terminate`, `emitClose`, and an accessor on `_req` that sees a client's
 * handshake begin. Every wrapper passes arguments, return values and throws
 * through untouched.
 */
export function patchWebSocket(
  prototype: object,
  ctx: HookContext,
  patcher: PropertyPatcher,
  pendingClients: Set<object>,
): boolean {
  const claim = patcher.claim(prototype, kPatched);
  if (claim !== 'new') return claim === 'ours';
  const { traffic } = ctx;

  patcher.defineAccessor(
    prototype,
    '_req',
    function getReq(this: Socket) {
      return this[kClientHandshake]?.req;
    },
    function setReq(this: Socket, req: unknown) {
      const handshake = this[kClientHandshake];
      if (handshake !== undefined) {
        handshake.req = req;
      } else {
        this[kClientHandshake] = {
          req,
          startedAt: performance.now(),
          errorType: undefined,
          status: undefined,
          done: false,
        };
        pendingClients.add(this);
      }
    },
  );

  patcher.wrapMethod(
    prototype,
    'setSocket',
    (original) =>
      function setSocket(this: Socket, socket: unknown) {
        safely(openConnection, ctx, this, socket, pendingClients);
        return original.apply(this, arguments);
      },
  );

  patcher.wrapMethod(
    prototype,
    'emit',
    (original) =>
      function emit(this: Socket, event: string | symbol, data: unknown, isBinary: unknown) {
        if (event === 'message') {
          // ws 8 passes isBinary; ws 7 passes strings for text and Buffers for binary.
          const type =
            isBinary === true || (isBinary === undefined && typeof data !== 'string')
              ? TYPE_BINARY
              : TYPE_TEXT;
          const side: Side = this._isServer ? SIDE_SERVER : SIDE_CLIENT;
          const index = trafficIndex(side, DIRECTION_RECEIVED, type);
          const bytes = receivedPayloadBytes(data);
          traffic.messages[index]!++;
          traffic.bytes[index]! += bytes;
          if (ctx.config.messageSizeHistogram) {
            ctx.metrics.recordMessageSize(side, DIRECTION_RECEIVED, type, bytes);
          }
          const reports = ctx.config.clientReports;
          if (reports.enabled && type === TYPE_TEXT && side === SIDE_SERVER) {
            const record = this[kConnectionRecord];
            if (
              record !== undefined &&
              handleReporterFrame(ctx.metrics, record, this as never, data) &&
              !reports.passThrough
            ) {
              return false; // a reporter frame: not the app's message
            }
          }
        } else if (event === 'pong') {
          const { mode } = ctx.config.heartbeat;
          // A pong to our own ping: the app never asked for it, so it is not passed on.
          if (
            mode !== 'off' &&
            ctx.heartbeat.onPong(this[kConnectionRecord], data, mode === 'observe')
          ) {
            return false;
          }
        } else if (event === 'error') {
          safely(noteError, ctx, this, data);
        } else if (event === 'unexpected-response') {
          const handshake = this[kClientHandshake];
          const status = (isBinary as { statusCode?: unknown } | undefined)?.statusCode;
          if (handshake !== undefined && typeof status === 'number') handshake.status = status;
        }
        return original.apply(this, arguments);
      },
  );

  patcher.wrapMethod(
    prototype,
    'send',
    (original) =>
      function send(this: Socket, data: unknown, options: unknown) {
        const state = this._readyState;
        const record = this._isServer ? this[kConnectionRecord] : undefined;
        if (record !== undefined && ctx.config.broadcastDetection) {
          ctx.fanOut.noteSend(record, data, state);
        }
        if (state === READY_STATE_OPEN) {
          const opts =
            typeof options === 'object' && options !== null ? (options as SendOptions) : undefined;
          // Mirrors ws: numbers become strings, `binary` and `fin` come from options when given.
          const binary =
            opts !== undefined && 'binary' in opts
              ? Boolean(opts.binary)
              : typeof data !== 'string' && typeof data !== 'number';
          const type = binary ? TYPE_BINARY : TYPE_TEXT;
          const side: Side = this._isServer ? SIDE_SERVER : SIDE_CLIENT;
          const index = trafficIndex(side, DIRECTION_SENT, type);
          const bytes = sentPayloadBytes(data);
          if (opts === undefined || !('fin' in opts) || opts.fin) traffic.messages[index]!++;
          traffic.bytes[index]! += bytes;
          if (ctx.config.messageSizeHistogram) {
            ctx.metrics.recordMessageSize(side, DIRECTION_SENT, type, bytes);
          }
        } else if (state > READY_STATE_OPEN && this[kConnectionRecord] !== undefined) {
          safely(countSendNotOpen, ctx, this);
        }
        const result = original.apply(this, arguments);
        // Data left in the socket's own buffer after a send means the peer is
        // not keeping up: such connections are the ones the backpressure
        // gauges read at collection, instead of all of them.
        if (record !== undefined && !record.queued && (this._socket?.writableLength ?? 0) > 0) {
          ctx.registry.noteQueued(record);
        }
        return result;
      },
  );

  patcher.wrapMethod(
    prototype,
    'ping',
    (original) =>
      function ping(this: Socket) {
        // Observe mode measures the pings the app sends itself.
        if (ctx.config.heartbeat.mode === 'observe' && this._readyState === READY_STATE_OPEN) {
          const record = this[kConnectionRecord];
          if (
            record !== undefined &&
            !record.awaitingPong &&
            (record.side === SIDE_SERVER || ctx.config.heartbeat.clients)
          ) {
            ctx.heartbeat.markWaiting(record, performance.now());
          }
        }
        return original.apply(this, arguments);
      },
  );

  patcher.wrapMethod(
    prototype,
    'close',
    (original) =>
      function close(this: Socket) {
        const record = this[kConnectionRecord];
        if (
          record !== undefined &&
          this._readyState === READY_STATE_OPEN &&
          !this._closeFrameReceived
        ) {
          record.localEnd = LOCAL_END_CLOSE;
        }
        return original.apply(this, arguments);
      },
  );

  patcher.wrapMethod(
    prototype,
    'terminate',
    (original) =>
      function terminate(this: Socket) {
        const record = this[kConnectionRecord];
        if (record !== undefined && this._readyState <= 2 && !this._closeFrameReceived) {
          record.localEnd = LOCAL_END_TERMINATE;
        }
        return original.apply(this, arguments);
      },
  );

  patcher.wrapMethod(
    prototype,
    'emitClose',
    (original) =>
      function emitClose(this: Socket) {
        safely(closeConnection, ctx, this, pendingClients);
        return original.apply(this, arguments);
      },
  );
  return true;
}

interface SendOptions {
  binary?: unknown;
  fin?: unknown;
}

function openConnection(
  ctx: HookContext,
  ws: Socket,
  socket: unknown,
  pendingClients: Set<object>,
): void {
  if (ws[kConnectionRecord] !== undefined) return;
  const now = performance.now();
  let side: Side;
  let route: string | undefined;
  if (ws._isServer) {
    side = SIDE_SERVER;
    route = finishServerHandshake(ctx, socket);
  } else {
    side = SIDE_CLIENT;
    const handshake = ws[kClientHandshake];
    if (handshake !== undefined && !handshake.done) {
      handshake.done = true;
      pendingClients.delete(ws);
      ctx.metrics.recordHandshake(SIDE_CLIENT, (now - handshake.startedAt) / 1000, SUCCESS);
    }
  }
  const record = new ConnectionRecord(ws, side, Math.floor(now), route);
  ws[kConnectionRecord] = record;
  ctx.registry.add(record);
}

function noteError(ctx: HookContext, ws: Socket, error: unknown): void {
  const record = ws[kConnectionRecord];
  if (record !== undefined && record.slot >= 0) {
    const errorType = errorTypeOf(error);
    record.errorType ??= errorType;
    ctx.metrics.countError(record.side, errorType);
    return;
  }
  const handshake = ws[kClientHandshake];
  if (handshake !== undefined && !handshake.done) {
    handshake.errorType ??= clientHandshakeErrorType(error);
  }
}

function countSendNotOpen(ctx: HookContext, ws: Socket): void {
  const record = ws[kConnectionRecord];
  if (record !== undefined) ctx.metrics.countError(record.side, ERROR_TYPE_VALUE_SEND_NOT_OPEN);
}

function closeConnection(ctx: HookContext, ws: Socket, pendingClients: Set<object>): void {
  const record = ws[kConnectionRecord];
  if (record !== undefined) {
    if (!ctx.registry.remove(record)) return;
    const attributes = closeAttributes(record, ws);
    // Errors that terminate() itself causes (ECANCELED) are not the connection's.
    const socketError = record.localEnd === LOCAL_END_TERMINATE ? undefined : ws._socket?.errored;
    if (socketError) ctx.metrics.countError(record.side, errorTypeOf(socketError));
    const seconds = (performance.now() - record.openedAt) / 1000;
    ctx.metrics.recordConnection(record.side, seconds, attributes);
    return;
  }
  const handshake = ws[kClientHandshake];
  if (handshake !== undefined && !handshake.done) {
    handshake.done = true;
    pendingClients.delete(ws);
    const attributes: Attributes = {
      [ATTR_ERROR_TYPE]: handshake.errorType ?? ERROR_TYPE_VALUE_ABORTED,
    };
    if (handshake.status !== undefined) {
      attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = handshake.status;
    }
    const seconds = (performance.now() - handshake.startedAt) / 1000;
    ctx.metrics.recordHandshake(SIDE_CLIENT, seconds, attributes);
  }
}

/**
 * Before the accessor on `_req` goes away, give each client still in its
 * handshake its `_req` back as a plain property, so ws keeps working.
 */
export function releasePendingClients(pendingClients: Set<object>): void {
  for (const ws of pendingClients as Set<Socket>) {
    Object.defineProperty(ws, '_req', {
      value: ws[kClientHandshake]?.req ?? null,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  pendingClients.clear();
}
