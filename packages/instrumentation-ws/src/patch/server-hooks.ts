import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { rejectionErrorType } from '../connections/outcomes.js';
import type { WebSocketServerInternals } from '../internal-types.js';
import { SIDE_SERVER } from '../internal-types.js';
import { ATTR_ERROR_TYPE, ERROR_TYPE_VALUE_REJECTED } from '../semconv.js';
import type { HookContext } from './hook-context.js';
import { serverVersionOf } from './loaded-copies.js';
import type { PropertyPatcher } from './patcher.js';
import { safely } from './safely.js';

/** State of one server handshake, held until it ends. */
interface ServerHandshake {
  startedAt: number;
  route: string | undefined;
}

export const kPatched: unique symbol = Symbol.for('@ws-otel/instrumentation-ws.patched');
const kEndWatched: unique symbol = Symbol.for('@ws-otel/instrumentation-ws.end-watched');
const kWriteWatched: unique symbol = Symbol.for('@ws-otel/instrumentation-ws.write-watched');

/**
 * Handshakes still in progress after `handleUpgrade` returned (an async
 * `verifyClient`), by raw socket. A WeakMap rather than a property: adding
 * properties to a socket costs memory for its whole life.
 */
const pending = new WeakMap<object, ServerHandshake>();

/**
 * The handshake `handleUpgrade` is running now (`socket` undefined when
 * none). Without an async `verifyClient`, ws writes the 101 (and calls
 * `setSocket()`) or refuses before `handleUpgrade` returns, so most
 * handshakes start and end in this one reused object, with nothing built
 * and no WeakMap entry per connection.
 */
const current: ServerHandshake & { socket: object | undefined } = {
  socket: undefined,
  startedAt: 0,
  route: undefined,
};

/**
 * The handshake in progress on `socket`, if any, taken out of where it was
 * held. Read it at once: the current one's object serves the next handshake.
 */
function takeHandshake(socket: object): ServerHandshake | undefined {
  if (socket === current.socket) {
    current.socket = undefined;
    return current;
  }
  const handshake = pending.get(socket);
  if (handshake !== undefined) pending.delete(socket);
  return handshake;
}

/** Moves the current handshake to `pending`, where it waits for a later turn. */
function holdCurrent(): void {
  pending.set(current.socket!, { startedAt: current.startedAt, route: current.route });
  current.socket = undefined;
}

function inProgress(socket: object): boolean {
  return socket === current.socket || pending.has(socket);
}

const SUCCESS = {};
const SWITCHING_PROTOCOLS = '101';

/**
 * ws 8.7 and later refuse a handshake with `socket.end(response)`; ws 7 and
 * 8.0 to 8.6 with `socket.write(response)`, then `socket.destroy()`. A copy
 * whose version is unknown is treated as old: watching both is always right.
 */
function refusesWithWrite(prototype: object): boolean {
  const version = serverVersionOf(prototype);
  if (version === undefined) return true;
  const [major, minor] = version.split('.').map(Number);
  return major! < 8 || (major === 8 && minor! < 7);
}

/**
 * Hooks `WebSocketServer.prototype.handleUpgrade`, the entry of every server
 * handshake in ws 7 and 8. A handshake ends either in the WebSocket's
 * `setSocket()` (101 written, see `finishServerHandshake`) or with an HTTP
 * error response that ws writes to the socket (see `refusesWithWrite`). To
 * see the latter without adding anything to each socket, the method ws
 * answers with is wrapped once on the prototype that provides it
 * (`net.Socket.prototype` for `end`, `Duplex.prototype` for `write`): the
 * wrapper looks the socket up among the pending handshakes and passes
 * everything through unchanged. `write` sits on every stream's path, so it
 * is wrapped only when a copy of ws that needs it is in use.
 */
export function patchWebSocketServer(
  prototype: object,
  ctx: HookContext,
  patcher: PropertyPatcher,
): boolean {
  const claim = patcher.claim(prototype, kPatched);
  if (claim !== 'new') return claim === 'ours';

  // Wraps the method where a socket class's prototype chain provides it.
  const watchClass = (prototype: object | null, method: 'end' | 'write', marker: symbol) => {
    let owner = prototype;
    while (owner !== null && !Object.hasOwn(owner, method)) owner = Object.getPrototypeOf(owner);
    if (owner === null || patcher.claim(owner, marker) !== 'new') return;
    patcher.wrapMethod(
      owner,
      method,
      (original) =>
        function watched(this: object) {
          if (inProgress(this)) safely(noteResponse, ctx, this, arguments[0], method === 'end');
          return original.apply(this, arguments);
        },
    );
  };
  const watchWrite = refusesWithWrite(prototype);
  // Plain TCP and TLS sockets are watched now, as ws loads, before the app
  // makes any socket: a method replaced on a prototype after sockets exist
  // sends V8's property caches in net.Socket's constructor megamorphic, for
  // every socket the process makes from then on (seen with `node --log-ic`;
  // with the reused handshake above, 1,100 to 1,500 fewer instructions per
  // churned connection under valgrind).
  watchClass(Socket.prototype, 'end', kEndWatched);
  if (watchWrite) watchClass(Socket.prototype, 'write', kWriteWatched);
  // Any other class is watched at its first handshake. Sockets of one server
  // share a prototype: its chain is walked once, not per handshake.
  let lastPrototype: object | null = Socket.prototype;
  const watchSocket = (socket: object) => {
    const socketPrototype = Object.getPrototypeOf(socket) as object | null;
    if (socketPrototype === lastPrototype) return;
    // A socket with a method of its own (a custom Duplex) is left alone: its
    // successful handshakes are counted, its rejections are not.
    const ownEnd = Object.hasOwn(socket, 'end');
    const ownWrite = Object.hasOwn(socket, 'write');
    if (!ownEnd) watchClass(socketPrototype, 'end', kEndWatched);
    if (watchWrite && !ownWrite) watchClass(socketPrototype, 'write', kWriteWatched);
    // Then its prototype is not done: the next socket of the class may be plain.
    if (!ownEnd && !ownWrite) lastPrototype = socketPrototype;
  };

  patcher.wrapMethod(
    prototype,
    'handleUpgrade',
    (original) =>
      function handleUpgrade(this: WebSocketServerInternals, req: IncomingMessage, socket: Duplex) {
        safely(startHandshake, ctx, this, req, socket, watchSocket);
        try {
          return original.apply(this, arguments);
        } finally {
          // Still running (an async verifyClient): held until it ends.
          if (socket === current.socket && socket !== undefined) holdCurrent();
        }
      },
  );
  return true;
}

/**
 * Data written to a socket whose handshake is in progress. `end` closes the
 * handshake whatever it carries; a `write` does when it starts with a status
 * line other than 101 (the 101 is followed by `setSocket()`).
 */
function noteResponse(ctx: HookContext, socket: object, data: unknown, ending: boolean): void {
  const errorType = rejectionErrorType(data);
  if (!ending && (errorType === ERROR_TYPE_VALUE_REJECTED || errorType === SWITCHING_PROTOCOLS)) {
    return;
  }
  const handshake = takeHandshake(socket)!;
  const seconds = (performance.now() - handshake.startedAt) / 1000;
  ctx.metrics.recordHandshake(SIDE_SERVER, seconds, { [ATTR_ERROR_TYPE]: errorType });
}

function startHandshake(
  ctx: HookContext,
  server: WebSocketServerInternals,
  req: IncomingMessage,
  socket: Duplex,
  watchSocket: (socket: object) => void,
): void {
  if (socket === null || typeof socket !== 'object' || inProgress(socket)) return;
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
  watchSocket(socket);
  // Started from inside another handshake (a 'headers' listener, say): the outer one waits in `pending`.
  if (current.socket !== undefined) holdCurrent();
  current.socket = socket;
  current.startedAt = performance.now();
  current.route = route;
}

/**
 * Called from `setSocket()` of a server WebSocket at `now`, right after ws
 * wrote the 101 response: records the handshake and hands over its route.
 */
export function finishServerHandshake(
  ctx: HookContext,
  socket: unknown,
  now: number,
): string | undefined {
  const handshake = takeHandshake(socket as object);
  if (handshake === undefined) return undefined;
  ctx.metrics.recordHandshake(SIDE_SERVER, (now - handshake.startedAt) / 1000, SUCCESS);
  return handshake.route;
}
