import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HookContext, WebSocketServerInternals } from './internal-types.js';
import { SIDE_SERVER } from './internal-types.js';
import { rejectionErrorType } from './outcomes.js';
import type { PropertyPatcher } from './patcher.js';
import { safely } from './safely.js';
import { ATTR_ERROR_TYPE } from './semconv.js';

/** State of one server handshake, kept on the raw socket until it ends. */
interface ServerHandshake {
  startedAt: number;
  route: string | undefined;
  /** The socket's own `end` property, if it had one, to put back. */
  ownEnd: unknown;
}

const kServerHandshake: unique symbol = Symbol('ws-otel.server-handshake');
export const kPatched: unique symbol = Symbol.for('@ws-otel/instrumentation-ws.patched');

type HandshakeSocket = Duplex & { [kServerHandshake]?: ServerHandshake | undefined };

const SUCCESS = {};

/**
 * Hooks `WebSocketServer.prototype.handleUpgrade`, the entry of every server
 * handshake in ws 7 and 8. A handshake ends either in the WebSocket's
 * `setSocket()` (101 written, see `finishServerHandshake`) or in `socket.end()`
 * with an HTTP error response, which is watched for the duration of the
 * handshake only and passed through unchanged.
 */
export function patchWebSocketServer(
  prototype: object,
  ctx: HookContext,
  patcher: PropertyPatcher,
): boolean {
  const claim = patcher.claim(prototype, kPatched);
  if (claim !== 'new') return claim === 'ours';

  function endDuringHandshake(this: HandshakeSocket): unknown {
    const handshake = this[kServerHandshake];
    if (handshake !== undefined) {
      releaseSocket(this, handshake);
      safely(recordRejection, ctx, handshake, arguments[0]);
    }
    // biome-ignore lint/complexity/noBannedTypes: forwarding to whatever end is now in place
    return (this.end as Function).apply(this, arguments);
  }

  patcher.wrapMethod(
    prototype,
    'handleUpgrade',
    (original) =>
      function handleUpgrade(
        this: WebSocketServerInternals,
        req: IncomingMessage,
        socket: HandshakeSocket,
      ) {
        safely(startHandshake, ctx, this, req, socket, endDuringHandshake);
        return original.apply(this, arguments);
      },
  );
  return true;
}

function startHandshake(
  ctx: HookContext,
  server: WebSocketServerInternals,
  req: IncomingMessage,
  socket: HandshakeSocket,
  endSpy: () => unknown,
): void {
  if (socket === null || typeof socket !== 'object' || socket[kServerHandshake] !== undefined) {
    return;
  }
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
  socket[kServerHandshake] = {
    startedAt: performance.now(),
    route,
    ownEnd: Object.hasOwn(socket, 'end') ? socket.end : undefined,
  };
  (socket as { end: unknown }).end = endSpy;
}

function releaseSocket(socket: HandshakeSocket, handshake: ServerHandshake): void {
  socket[kServerHandshake] = undefined;
  // Assign, never delete: deleting a property turns the socket into a
  // dictionary-mode object, which makes every later access to it slower and
  // costs about a kilobyte per connection. The own property now holds the very
  // function the prototype would have given.
  (socket as { end: unknown }).end =
    handshake.ownEnd ?? (Object.getPrototypeOf(socket) as { end: unknown }).end;
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
  const handshake = (socket as HandshakeSocket | null)?.[kServerHandshake];
  if (handshake === undefined) return undefined;
  releaseSocket(socket as HandshakeSocket, handshake);
  ctx.metrics.recordHandshake(
    SIDE_SERVER,
    (performance.now() - handshake.startedAt) / 1000,
    SUCCESS,
  );
  return handshake.route;
}
