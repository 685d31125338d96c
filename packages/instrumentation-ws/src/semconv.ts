/**
 * Every metric name, attribute key, attribute value and bucket list the
 * instrumentation emits, in one place. There is no WebSocket semantic
 * convention yet; names follow the OpenTelemetry naming rules and the
 * precedents of `kestrel.*` and `signalr.server.*`.
 */

/** Live connections, by health (and route when configured). */
export const METRIC_SERVER_ACTIVE_CONNECTIONS = 'websocket.server.active_connections';
/** Time from open to close of one connection, in seconds. */
export const METRIC_SERVER_CONNECTION_DURATION = 'websocket.server.connection.duration';
/** Time from `handleUpgrade` to the 101 response or the rejection, in seconds. */
export const METRIC_SERVER_HANDSHAKE_DURATION = 'websocket.server.handshake.duration';
/** Whole messages sent (fragments count once, on the last one). */
export const METRIC_SERVER_SENT_MESSAGES = 'websocket.server.sent.messages';
/** Whole messages received. */
export const METRIC_SERVER_RECEIVED_MESSAGES = 'websocket.server.received.messages';
/** Payload bytes sent (before compression). */
export const METRIC_SERVER_SENT_BYTES = 'websocket.server.sent.bytes';
/** Payload bytes received (after decompression). */
export const METRIC_SERVER_RECEIVED_BYTES = 'websocket.server.received.bytes';
/** Payload size of each message, opt-in. */
export const METRIC_SERVER_MESSAGE_SIZE = 'websocket.server.message.size';
/** Protocol errors, socket errors and failed sends. */
export const METRIC_SERVER_ERRORS = 'websocket.server.errors';
/** Time from our ping to its pong, in seconds. */
export const METRIC_SERVER_HEARTBEAT_RTT = 'websocket.server.heartbeat.rtt';
/** Pings whose pong did not come within the timeout. */
export const METRIC_SERVER_HEARTBEAT_TIMEOUTS = 'websocket.server.heartbeat.timeouts';
/** Connections the heartbeat ended as dead. */
export const METRIC_SERVER_HEARTBEAT_TERMINATIONS = 'websocket.server.heartbeat.terminations';
/** Round trips a client measured and reported, in seconds (opt-in). */
export const METRIC_SERVER_REPORTED_RTT = 'websocket.server.reported.rtt';
/** Reconnects clients reported (opt-in). */
export const METRIC_SERVER_REPORTED_RECONNECTS = 'websocket.server.reported.reconnects';
/** Errors clients reported, by `error.type` (opt-in). */
export const METRIC_SERVER_REPORTED_ERRORS = 'websocket.server.reported.errors';
/** Every client report seen, by `websocket.report.outcome` (opt-in). */
export const METRIC_SERVER_REPORTS = 'websocket.server.reports';
/** Bytes queued for sending over all live server connections (`bufferedAmount`). */
export const METRIC_SERVER_SEND_QUEUE_SIZE = 'websocket.server.send_queue.size';
/** Live server connections with at least `backpressureThreshold` bytes queued. */
export const METRIC_SERVER_BACKPRESSURED_CONNECTIONS = 'websocket.server.backpressured_connections';
/** Time of one fan-out of one payload, first send to the end of the group, in seconds. */
export const METRIC_SERVER_BROADCAST_DURATION = 'websocket.server.broadcast.duration';
/** Sockets one broadcast was handed to. */
export const METRIC_SERVER_BROADCAST_RECIPIENTS = 'websocket.server.broadcast.recipients';

/** Client-side (`new WebSocket(url)`) counterparts of the server metrics. */
export const METRIC_CLIENT_ACTIVE_CONNECTIONS = 'websocket.client.active_connections';
export const METRIC_CLIENT_CONNECTION_DURATION = 'websocket.client.connection.duration';
/** Connect time: TCP, TLS and the upgrade, in seconds. */
export const METRIC_CLIENT_HANDSHAKE_DURATION = 'websocket.client.handshake.duration';
export const METRIC_CLIENT_SENT_MESSAGES = 'websocket.client.sent.messages';
export const METRIC_CLIENT_RECEIVED_MESSAGES = 'websocket.client.received.messages';
export const METRIC_CLIENT_SENT_BYTES = 'websocket.client.sent.bytes';
export const METRIC_CLIENT_RECEIVED_BYTES = 'websocket.client.received.bytes';
export const METRIC_CLIENT_MESSAGE_SIZE = 'websocket.client.message.size';
export const METRIC_CLIENT_ERRORS = 'websocket.client.errors';
export const METRIC_CLIENT_HEARTBEAT_RTT = 'websocket.client.heartbeat.rtt';
export const METRIC_CLIENT_HEARTBEAT_TIMEOUTS = 'websocket.client.heartbeat.timeouts';
export const METRIC_CLIENT_HEARTBEAT_TERMINATIONS = 'websocket.client.heartbeat.terminations';

/** Health of a live connection as the heartbeat last saw it. */
export const ATTR_WEBSOCKET_CONNECTION_HEALTH = 'websocket.connection.health';
/** Close code: 1000..1015 as an integer, application codes folded to `3xxx` / `4xxx`. */
export const ATTR_WEBSOCKET_CLOSE_CODE = 'websocket.close.code';
/** Which side started the close: `client`, `server`, or `none` for an abnormal end. */
export const ATTR_WEBSOCKET_CLOSE_INITIATOR = 'websocket.close.initiator';
/** `text` or `binary`. */
export const ATTR_WEBSOCKET_MESSAGE_TYPE = 'websocket.message.type';
/** `sent` or `received`, on the opt-in message size histogram. */
export const ATTR_WEBSOCKET_MESSAGE_DIRECTION = 'websocket.message.direction';
/** `accepted` or `rejected`. */
export const ATTR_WEBSOCKET_REPORT_OUTCOME = 'websocket.report.outcome';
/** `success`, `partial` (some sockets not open or a send failed) or `failure`. */
export const ATTR_WEBSOCKET_BROADCAST_OUTCOME = 'websocket.broadcast.outcome';
/** The server's `path` option or what `routeFor(request)` returned, capped. */
export const ATTR_WEBSOCKET_ROUTE = 'websocket.route';
/** Why something failed: an errno code, a `WS_ERR_*` code, an HTTP status, or one of ours. */
export const ATTR_ERROR_TYPE = 'error.type';
/** Status of a response that refused a client's upgrade. */
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';

export const HEALTH_VALUE_HEALTHY = 'healthy';
export const HEALTH_VALUE_DEGRADED = 'degraded';
export const HEALTH_VALUE_UNRESPONSIVE = 'unresponsive';

export const INITIATOR_VALUE_CLIENT = 'client';
export const INITIATOR_VALUE_SERVER = 'server';
export const INITIATOR_VALUE_NONE = 'none';

export const MESSAGE_TYPE_VALUE_TEXT = 'text';
export const MESSAGE_TYPE_VALUE_BINARY = 'binary';
export const MESSAGE_DIRECTION_VALUE_SENT = 'sent';
export const MESSAGE_DIRECTION_VALUE_RECEIVED = 'received';

export const REPORT_OUTCOME_VALUE_ACCEPTED = 'accepted';
export const REPORT_OUTCOME_VALUE_REJECTED = 'rejected';
export const BROADCAST_OUTCOME_VALUE_SUCCESS = 'success';
export const BROADCAST_OUTCOME_VALUE_PARTIAL = 'partial';
export const BROADCAST_OUTCOME_VALUE_FAILURE = 'failure';

/** Close codes 3000..3999 (registered with IANA) fold into one value. */
export const CLOSE_CODE_VALUE_3XXX = '3xxx';
/** Close codes 4000..4999 (private use) fold into one value. */
export const CLOSE_CODE_VALUE_4XXX = '4xxx';
/** Any other code outside 1000..1015 (ws rejects these, so rarely seen). */
export const CLOSE_CODE_VALUE_OTHER = 'other';

/** The connection ended without a close frame and without a socket error. */
export const ERROR_TYPE_VALUE_CONNECTION_LOST = 'connection_lost';
/** The heartbeat ended a connection that stopped answering pings. */
export const ERROR_TYPE_VALUE_HEARTBEAT_TIMEOUT = 'heartbeat_timeout';
/** The local side called `terminate()`. */
export const ERROR_TYPE_VALUE_TERMINATED = 'terminated';
/** `send()` was called on a closing or closed socket. */
export const ERROR_TYPE_VALUE_SEND_NOT_OPEN = 'send_not_open';
/** A client upgrade was answered with a non-101 status. */
export const ERROR_TYPE_VALUE_UNEXPECTED_RESPONSE = 'unexpected_response';
/** A client handshake ran past `handshakeTimeout`. */
export const ERROR_TYPE_VALUE_TIMEOUT = 'timeout';
/** A client handshake was cancelled by `close()` or `terminate()` before it finished. */
export const ERROR_TYPE_VALUE_ABORTED = 'aborted';
/** The server's 101 response failed validation (accept key, protocol, extensions). */
export const ERROR_TYPE_VALUE_INVALID_HANDSHAKE = 'invalid_handshake';
/** A server handshake was refused with a response we could not read a status from. */
export const ERROR_TYPE_VALUE_REJECTED = 'rejected';
/** OpenTelemetry's value for an error with no better name. */
export const ERROR_TYPE_VALUE_OTHER = '_OTHER';

/** The value of `websocket.route` once `maxRoutes` distinct routes have been seen. */
export const ROUTE_VALUE_OTHER = 'other';

/** Buckets for handshake duration and heartbeat round trips, in seconds. */
export const BUCKETS_LATENCY_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Buckets for one broadcast's duration, in seconds. */
export const BUCKETS_BROADCAST_SECONDS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
/** Buckets for broadcast recipients. */
export const BUCKETS_RECIPIENTS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/** Buckets for connection duration, in seconds (1 s to 1 day). */
export const BUCKETS_CONNECTION_SECONDS = [
  1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400,
];
/** Buckets for message sizes, in bytes (16 B to 16 MiB). */
export const BUCKETS_MESSAGE_BYTES = [
  16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
];
