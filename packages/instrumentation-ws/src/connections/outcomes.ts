import type { Attributes } from '@opentelemetry/api';
import {
  LOCAL_END_NONE,
  LOCAL_END_TERMINATE,
  SIDE_SERVER,
  type Side,
  type WebSocketInternals,
} from '../internal-types.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_WEBSOCKET_CLOSE_CODE,
  ATTR_WEBSOCKET_CLOSE_INITIATOR,
  ATTR_WEBSOCKET_ROUTE,
  CLOSE_CODE_VALUE_3XXX,
  CLOSE_CODE_VALUE_4XXX,
  CLOSE_CODE_VALUE_OTHER,
  ERROR_TYPE_VALUE_ABORTED,
  ERROR_TYPE_VALUE_CONNECTION_LOST,
  ERROR_TYPE_VALUE_INVALID_HANDSHAKE,
  ERROR_TYPE_VALUE_OTHER,
  ERROR_TYPE_VALUE_REJECTED,
  ERROR_TYPE_VALUE_TERMINATED,
  ERROR_TYPE_VALUE_TIMEOUT,
  ERROR_TYPE_VALUE_UNEXPECTED_RESPONSE,
  INITIATOR_VALUE_CLIENT,
  INITIATOR_VALUE_NONE,
  INITIATOR_VALUE_SERVER,
} from '../semconv.js';

/** `websocket.close.code`: 1000..1015 as is, application ranges folded, the rest `other`. */
export function closeCodeValue(code: number): number | string {
  if (code >= 1000 && code <= 1015) return code;
  if (code >= 3000 && code <= 3999) return CLOSE_CODE_VALUE_3XXX;
  if (code >= 4000 && code <= 4999) return CLOSE_CODE_VALUE_4XXX;
  return CLOSE_CODE_VALUE_OTHER;
}

// Error codes come from Node and ws (ECONNRESET, WS_ERR_INVALID_OPCODE); the
// pattern keeps anything else from becoming an attribute value.
const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,63}$/;

/** `error.type` for an Error: its code when it has a well-formed one, else `_OTHER`. */
export function errorTypeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && ERROR_CODE_PATTERN.test(code) ? code : ERROR_TYPE_VALUE_OTHER;
}

/** `error.type` for an error that ended a client's opening handshake. */
export function clientHandshakeErrorType(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string' && ERROR_CODE_PATTERN.test(code)) return code;
  const message = String((error as { message?: unknown } | null | undefined)?.message ?? '');
  // ws gives these errors no code; their messages are stable across 7 and 8.
  if (message.startsWith('Unexpected server response')) return ERROR_TYPE_VALUE_UNEXPECTED_RESPONSE;
  if (message.startsWith('Opening handshake has timed out')) return ERROR_TYPE_VALUE_TIMEOUT;
  if (message.startsWith('WebSocket was closed before')) return ERROR_TYPE_VALUE_ABORTED;
  return ERROR_TYPE_VALUE_INVALID_HANDSHAKE;
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d) /;

/** `error.type` for a refused server handshake: the status ws (or the app) answered with. */
export function rejectionErrorType(response: unknown): string {
  const head =
    typeof response === 'string'
      ? response.slice(0, 16)
      : Buffer.isBuffer(response)
        ? response.toString('latin1', 0, 16)
        : '';
  const match = STATUS_LINE.exec(head);
  return match ? match[1]! : ERROR_TYPE_VALUE_REJECTED;
}

/** What a connection's record knows about how it ended (a `ConnectionRecord` has it). */
export interface ClosingConnection {
  side: Side;
  localEnd: number;
  route: string | undefined;
  errorType: string | undefined;
}

/** Most distinct close attribute sets kept for reuse; past it each close builds its own. */
const MAX_CACHED_CLOSE_SETS = 512;
const INITIATORS = [INITIATOR_VALUE_SERVER, INITIATOR_VALUE_CLIENT, INITIATOR_VALUE_NONE];

/**
 * Close attribute sets already built: [code and initiator] -> route ->
 * error type -> set. A server closes thousands of connections a minute with
 * a handful of distinct outcomes; each close looks its set up here (no
 * allocation) instead of building a new object. Every part of the key is
 * bounded (codes fold, routes are capped, error types are well-formed codes)
 * and so is the cache.
 */
const closeSets: Array<Map<string | undefined, Map<string | undefined, Attributes>>> = [];
let cachedCloseSets = 0;

/** 0..18 for the values `closeCodeValue` returns. */
function closeCodeIndex(code: number | string): number {
  if (typeof code === 'number') return code - 1000;
  return code === CLOSE_CODE_VALUE_3XXX ? 16 : code === CLOSE_CODE_VALUE_4XXX ? 17 : 18;
}

function closeSet(
  code: number | string,
  initiator: number,
  route: string | undefined,
  errorType: string | undefined,
): Attributes {
  const slot = closeCodeIndex(code) * INITIATORS.length + initiator;
  let byRoute = closeSets[slot];
  if (byRoute === undefined) {
    byRoute = new Map();
    closeSets[slot] = byRoute;
  }
  let byError = byRoute.get(route);
  if (byError === undefined) {
    byError = new Map();
    byRoute.set(route, byError);
  }
  let attributes = byError.get(errorType);
  if (attributes !== undefined) return attributes;
  attributes = {
    [ATTR_WEBSOCKET_CLOSE_CODE]: code,
    [ATTR_WEBSOCKET_CLOSE_INITIATOR]: INITIATORS[initiator],
  };
  if (route !== undefined) attributes[ATTR_WEBSOCKET_ROUTE] = route;
  if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
  if (cachedCloseSets < MAX_CACHED_CLOSE_SETS) {
    cachedCloseSets++;
    byError.set(errorType, attributes);
  }
  return attributes;
}

/**
 * The attributes of `connection.duration` for a connection that just closed.
 * A close is abnormal when no close frame came back or an error was seen;
 * only abnormal ends carry `error.type`. The set is shared: never change it.
 */
export function closeAttributes(record: ClosingConnection, socket: WebSocketInternals): Attributes {
  const closeFrameReceived = socket._closeFrameReceived;
  // Indexes into INITIATORS: this side, the peer, or none.
  const local = record.side === SIDE_SERVER ? 0 : 1;
  const initiator = record.localEnd !== LOCAL_END_NONE ? local : closeFrameReceived ? 1 - local : 2;
  let errorType = record.errorType;
  if (errorType === undefined && !closeFrameReceived) {
    // After terminate(), a socket error is its consequence (ECANCELED for the
    // writes it dropped), not the cause.
    const socketError = socket._socket?.errored;
    errorType =
      record.localEnd === LOCAL_END_TERMINATE
        ? ERROR_TYPE_VALUE_TERMINATED
        : socketError
          ? errorTypeOf(socketError)
          : ERROR_TYPE_VALUE_CONNECTION_LOST;
  }
  return closeSet(closeCodeValue(socket._closeCode), initiator, record.route, errorType);
}
