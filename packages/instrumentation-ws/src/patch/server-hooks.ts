import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { rejectionErrorType } from '../connections/outcomes.js';
import type { WebSocketServerInternals } from '../internal-types.js';
import { SIDE_SERVER } from '../internal-types.js';
import { ATTR_ERROR_TYPE } from '../semconv.js';
import type { HookContext } from './hook-context.js';
import type { PropertyPatcher } from './patcher.js';
import { safely } from './safely.js';

/** State of one server handshake, held until it ends. */
interface ServerHandshake {
  startedAt: number;
  route: string | undefined;
}

export const kPatched: unique symbol = Symbol.for('@ws-otel/instrumentation-ws.patched');
const kEndWatched: unique symbol = Symbol.for('@ws-otel/instrumentation-ws.end-watched');

/**
 * Handshakes in progress, by raw socket. A WeakMap rather than a property:
 * adding properties to a socket costs memory for its whole life.
 */
const pending = new WeakMap<object, ServerHandshake>();

const SUCCESS = {};

/**
 * Hooks `WebSocketServer.prototype.handleUpgrade`, the entry of every server
 * handshake in ws 7 and 8. A handshake ends either in the WebSocket's
 * `setSocket()` (101 written, see `finishServerHandshake`) or in `socket.end()`
 * with an HTTP error response. To see the latter without adding anything to
 * each socket, `end` is wrapped once on the prototype that provides it
 * (`net.Socket.prototype` for TCP and TLS sockets): the wrapper looks the socket
 * up among the pending handshakes and passes everything through unchanged.
 */
export function patchWebSocketServer(
  prototype: object,
  ctx: HookContext,
  patcher: PropertyPatcher,
): boolean {
  const claim = patcher.claim(prototype, kPatched);
  if (claim !== 'new') return claim === 'ours';

  const watchEnd = (socket: object) => {
    let owner = Object.getPrototypeOf(socket) as object | null;
    while (owner !== null && !Object.hasOwn(owner, 'end')) owner = Object.getPrototypeOf(owner);
    // A socket with an `end` of its own (a custom Duplex) is left alone: its
    // successful handshakes are counted, its rejections are not.
    if (
      owner === null ||
      Object.hasOwn(socket, 'end') ||
      patcher.claim(owner, kEndWatched) !== 'new'
    ) {
      return;
    }
    patcher.wrapMethod(
      owner,
      'end',
      (original) =>
        function end(this: object) {
          const handshake = pending.get(this);
          if (handshake !== undefined) {
            pending.delete(this);
            safely(recordRejection, ctx, handshake, arguments[0]);
          }
          return original.apply(this, arguments);
        },
    );
  };

  patcher.wrapMethod(
    prototype,
    'handleUpgrade',
    (original) =>
      function handleUpgrade(this: WebSocketServerInternals, req: IncomingMessage, socket: Duplex) {
        safely(startHandshake, ctx, this, req, socket, watchEnd);
        return original.apply(this, arguments);
      },
  );
  return true;
}

function startHandshake(
  ctx: HookContext,
  server: WebSocketServerInternals,
  req: IncomingMessage,
  socket: Duplex,
  watchEnd: (socket: object) => void,
): void {
  if (socket === null || typeof socket !== 'object' || pending.has(socket)) return;
  const { routeFor } = ctx.config;
  let route: string | undefined;
  if (routeFor !== undefined) {
    try {
      route = ctx.routes.fold(routeFor(req));
    } catch {
      route = undefined;
    }
  } else if (server.options?.path) {
    route = ctx.routes.fold(server.options.path);
  }
  watchEnd(socket);
  pending.set(socket, { startedAt: performance.now(), route });
}

function recordRejection(ctx: HookContext, handshake: ServerHandshake, response: unknown): void {
  const seconds = (performance.now() - handshake.startedAt) / 1000;
  ctx.metrics.recordHandshake(SIDE_SERVER, seconds, {
    [ATTR_ERROR_TYPE]: rejectionErrorType(response),
  });
}

/**
 * Called from `setSocket()` of a server WebSocket, right after ws wrote the
 * 101 response: records the handshake and hands over its route.
 */
export function finishServerHandshake(ctx: HookContext, socket: unknown): string | undefined {
  const handshake = pending.get(socket as object);
  if (handshake === undefined) return undefined;
  pending.delete(socket as object);
  ctx.metrics.recordHandshake(
    SIDE_SERVER,
    (performance.now() - handshake.startedAt) / 1000,
    SUCCESS,
  );
  return handshake.route;
}
