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

export const SIDE_SERVER = 0;
export const SIDE_CLIENT = 1;
export type Side = typeof SIDE_SERVER | typeof SIDE_CLIENT;

/** What the hooks need from the instrumentation; `metrics` changes on `setMeterProvider()`. */
export interface HookContext {
  readonly registry: import('./registry.js').ConnectionRegistry;
  readonly traffic: import('./traffic.js').TrafficCounters;
  readonly routes: import('./routes.js').RouteCap;
  readonly metrics: import('./metrics.js').WsMetrics;
  readonly config: import('./config.js').ResolvedConfig;
  readonly fanOut: import('./broadcast.js').FanOutDetector;
  readonly heartbeat: import('./heartbeat.js').HeartbeatScheduler;
}
