import type { IncomingMessage } from 'node:http';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** How the heartbeat finds dead peers and measures round trips. */
export interface HeartbeatConfig {
  /**
   * `active`: the instrumentation pings every connection; `observe`: it only
   * measures the pings the app sends; `off`. Env: `OTEL_WS_HEARTBEAT`. Default `active`.
   */
  mode?: 'active' | 'observe' | 'off';
  /** Milliseconds between pings to one connection. Env: `OTEL_WS_HEARTBEAT_INTERVAL`. Default 30000. */
  intervalMs?: number;
  /** Milliseconds to wait for the pong. Env: `OTEL_WS_HEARTBEAT_TIMEOUT`. Default 10000. */
  timeoutMs?: number;
  /**
   * Missed pongs a connection may have before it is unresponsive (it is
   * degraded from the first). Env: `OTEL_WS_HEARTBEAT_MAX_MISSED`. Default 2.
   */
  maxMissed?: number;
  /** End unresponsive connections. Env: `OTEL_WS_HEARTBEAT_TERMINATE`. Default false. */
  terminate?: boolean;
  /** Also ping from outgoing (client) connections. Env: `OTEL_WS_CLIENT_HEARTBEAT`. Default false. */
  clients?: boolean;
}

/** Options of `WsInstrumentation`. Each has an environment variable for zero-code use. */
export interface WsInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record `websocket.server.message.size` and `websocket.client.message.size`
   * for every message. Costs one histogram update per message, so it is off by
   * default. Env: `OTEL_WS_MESSAGE_SIZE_HISTOGRAM`.
   */
  messageSizeHistogram?: boolean;
  /**
   * Distinct `websocket.route` values kept before further ones fold into
   * `other`. Env: `OTEL_WS_MAX_ROUTES`. Default 50.
   */
  maxRoutes?: number;
  /**
   * Names the route of a server connection from its upgrade request, for the
   * `websocket.route` attribute. Return a template (`/rooms/:id`), never a
   * value a client chooses (ids, queries): every distinct value is a series.
   * When unset, the route is the server's `path` option, if it has one.
   */
  routeFor?: (request: IncomingMessage) => string | undefined;
  /**
   * Bytes queued on one connection (`bufferedAmount`) at or over which it
   * counts in `websocket.server.backpressured_connections`.
   * Env: `OTEL_WS_BACKPRESSURE_THRESHOLD`. Default 1048576 (1 MiB).
   */
  backpressureThreshold?: number;
  /**
   * Recognise the same payload sent to two or more sockets in one synchronous
   * run (a loop over `wss.clients`) as one broadcast.
   * Env: `OTEL_WS_BROADCAST_DETECTION`. Default true.
   */
  broadcastDetection?: boolean;
  /** Reports from browsers running `@ws-otel/client-reporter` (opt-in). */
  clientReports?: {
    /** Accept probe and report frames. Env: `OTEL_WS_CLIENT_REPORTS`. Default false. */
    enabled?: boolean;
    /** Also deliver reporter frames to the app's 'message' listeners. Default false. */
    passThrough?: boolean;
  };
  /** The heartbeat: see `HeartbeatConfig`. */
  heartbeat?: HeartbeatConfig;
}
