import type { Attributes } from '@opentelemetry/api';
import { clientHandshakeErrorType, closeAttributes, errorTypeOf } from '../connections/outcomes.js';
import { ConnectionRecord, kConnectionRecord } from '../connections/registry.js';
import {
  countMessage,
  DIRECTION_RECEIVED,
  receivedPayloadBytes,
  TYPE_BINARY,
  TYPE_TEXT,
} from '../connections/traffic.js';
import {
  LOCAL_END_CLOSE,
  LOCAL_END_TERMINATE,
  READY_STATE_OPEN,
  SIDE_CLIENT,
  SIDE_SERVER,
  type Side,
  type WebSocketInternals,
} from '../internal-types.js';
import { handleReporterFrame } from '../reports/client-reports.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ERROR_TYPE_VALUE_ABORTED,
  ERROR_TYPE_VALUE_SEND_NOT_OPEN,
} from '../semconv.js';
import type { HookContext } from './hook-context.js';
import type { PropertyPatcher } from './patcher.js';
import { safely } from './safely.js';
import { attachSender } from './sender-hooks.js';
import { finishServerHandshake, kPatched } from './server-hooks.js';

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
 * and 8: `setSocket` (open), `emit` (messages received, errors, and `'open'`,
 * where the connection's Sender is linked: see sender-hooks.ts), `send` (sends on a
 * connection that is not open), `close`, `terminate`, `emitClose`, and an
 * accessor on `_req` that sees a client's handshake begin. Every wrapper
 * passes arguments, return values and throws through untouched.
 */
export function patchWebSocket(
  prototype: object,
  ctx: HookContext,
  patcher: PropertyPatcher,
  pendingClients: Set<object>,
): boolean {
  const claim = patcher.claim(prototype, kPatched);
  if (claim !== 'new') return claim === 'ours';

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
          countMessage(ctx, side, DIRECTION_RECEIVED, type, receivedPayloadBytes(data));
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
        } else if (event === 'open') {
          // ws creates the connection's Sender in setSocket and emits 'open' at its
          // end, synchronously: linked here, a send in an 'open' listener is counted.
          const record = this[kConnectionRecord];
          if (record !== undefined) safely(attachSender, ctx, patcher, this._sender, record);
        } else if (event === 'unexpected-response') {
          const handshake = this[kClientHandshake];
          const status = (isBinary as { statusCode?: unknown } | undefined)?.statusCode;
          if (handshake !== undefined && typeof status === 'number') handshake.status = status;
        }
        // ws emits most events with two arguments after the name: a direct call
        // lets V8 inline the emitter as it does without the hook.
        return arguments.length === 3
          ? original.call(this, event, data, isBinary)
          : original.apply(this, arguments);
      },
  );

  patcher.wrapMethod(
    prototype,
    'send',
    (original) =>
      // Sends on open connections are counted by the Sender (sender-hooks.ts):
      // this wrapper only sees the sends ws drops, and stays small because it
      // sits in the app's own send loop.
      function send(this: Socket, data: unknown, options: unknown, cb: unknown) {
        if (this._readyState !== READY_STATE_OPEN) safely(noteSendNotOpen, ctx, this, data);
        // Called with exactly the app's arguments, without V8 building an `arguments` object.
        switch (arguments.length) {
          case 1:
            return original.call(this, data);
          case 2:
            return original.call(this, data, options);
          case 3:
            return original.call(this, data, options, cb);
          default:
            return original.apply(this, arguments);
        }
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
    route = finishServerHandshake(ctx, socket, now);
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

/**
 * A `send()` on a connection that is closing or closed (ws drops it) is an
 * error, and a recipient a broadcast missed. Sockets still connecting have
 * no record yet (ws throws for them).
 */
function noteSendNotOpen(ctx: HookContext, ws: Socket, data: unknown): void {
  const record = ws[kConnectionRecord];
  if (record === undefined) return;
  if (record.side === SIDE_SERVER && ctx.config.broadcastDetection) {
    // What the Sender would have been given for the open sockets of the same loop.
    ctx.fanOut.noteSend(record, typeof data === 'number' ? String(data) : data, ws._readyState);
  }
  if (ws._readyState > READY_STATE_OPEN) {
    ctx.metrics.countError(record.side, ERROR_TYPE_VALUE_SEND_NOT_OPEN);
  }
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
