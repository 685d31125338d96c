import type { Duplex } from 'node:stream';

/** The private fields of a `ws` WebSocket that the hooks read (ws 7 and 8 share them). */
export interface WebSocketInternals {
  _readyState: number;
  _isServer: boolean;
  _closeCode: number;
  _closeFrameReceived: boolean;
  _socket: (Duplex & { errored?: Error | null }) | null;
  /** ws's Sender for this connection, created in setSocket. */
  _sender: object | null;
  emit(event: string | symbol, ...args: unknown[]): boolean;
}

/** The parts of a `ws` WebSocketServer the hooks read. */
export interface WebSocketServerInternals {
  options: { path?: string };
}

/** A `ws` module's exports, as CommonJS gives them or as an ESM namespace. */
export interface WsModuleExports {
  WebSocket?: { prototype: object };
  WebSocketServer?: { prototype: object };
  Server?: { prototype: object };
  prototype?: object;
  default?: WsModuleExports;
}

export const READY_STATE_OPEN = 1;
export const READY_STATE_CLOSING = 2;
export const READY_STATE_CLOSED = 3;

export const SIDE_SERVER = 0;
export const SIDE_CLIENT = 1;
export type Side = typeof SIDE_SERVER | typeof SIDE_CLIENT;

/** How this side ended a connection (`ConnectionRecord.localEnd`): it has not. */
export const LOCAL_END_NONE = 0;
/** This side called close() before any close frame came in. */
export const LOCAL_END_CLOSE = 1;
/** This side called terminate(). */
export const LOCAL_END_TERMINATE = 2;
