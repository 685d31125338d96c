/**
 * Metric names as they reach a Prometheus-compatible store, on both naming paths:
 * the JavaScript Prometheus exporter (no unit suffix: `..._duration_bucket`) and
 * OTLP ingestion with Prometheus naming (unit suffix: `..._duration_seconds_bucket`).
 * Counters end in `_total` on both, and units written as annotations
 * (`{connection}`, `{report}`) add nothing on either. Names that differ are
 * regular expressions matched against `__name__`; names that agree are plain.
 */
export const METRICS = Object.freeze({
  activeConnections: 'websocket_server_active_connections',
  connectionDurationBucket: 'websocket_server_connection_duration(_seconds)?_bucket',
  connectionDurationCount: 'websocket_server_connection_duration(_seconds)?_count',
  handshakeDurationBucket: 'websocket_server_handshake_duration(_seconds)?_bucket',
  handshakeDurationCount: 'websocket_server_handshake_duration(_seconds)?_count',
  sentMessages: 'websocket_server_sent_messages_total',
  receivedMessages: 'websocket_server_received_messages_total',
  sentBytes: 'websocket_server_sent_bytes_total',
  receivedBytes: 'websocket_server_received_bytes_total',
  messageSizeBucket: 'websocket_server_message_size(_bytes)?_bucket',
  errors: 'websocket_server_errors_total',
  heartbeatRttBucket: 'websocket_server_heartbeat_rtt(_seconds)?_bucket',
  heartbeatRttCount: 'websocket_server_heartbeat_rtt(_seconds)?_count',
  heartbeatTimeouts: 'websocket_server_heartbeat_timeouts_total',
  heartbeatTerminations: 'websocket_server_heartbeat_terminations_total',
  // A gauge in By: OTLP naming adds `_bytes`. The backpressured-connections
  // gauge is in {connection}, an annotation, which adds nothing.
  sendQueueSize: 'websocket_server_send_queue_size(_bytes)?',
  backpressuredConnections: 'websocket_server_backpressured_connections',
  broadcastDurationBucket: 'websocket_server_broadcast_duration(_seconds)?_bucket',
  // In {connection}: the same name on both paths.
  broadcastRecipientsBucket: 'websocket_server_broadcast_recipients_bucket',
  broadcastRecipientsCount: 'websocket_server_broadcast_recipients_count',
  // Client reports, opt-in (OTEL_WS_CLIENT_REPORTS=true).
  reportedRttBucket: 'websocket_server_reported_rtt(_seconds)?_bucket',
  reportedReconnects: 'websocket_server_reported_reconnects_total',
  reportedErrors: 'websocket_server_reported_errors_total',
  reports: 'websocket_server_reports_total',
  // The process, from the runtime metrics that register (or NodeSDK with
  // auto-instrumentations) adds: units in s and By get suffixes over OTLP.
  processCpuTime: 'process_cpu_time(_seconds)?_total',
  processMemoryUsage: 'process_memory_usage(_bytes)?',
  eventLoopDelayP99: 'nodejs_eventloop_delay_p99(_seconds)?',
  gcDurationSum: 'v8js_gc_duration(_seconds)?_sum',
});

/**
 * A PromQL selector for `name` (plain or a `__name__` pattern) with extra matchers,
 * e.g. `selector(METRICS.errors, ['error_type!=""'])`.
 */
export function selector(name, matchers = []) {
  if (/[()?|*+[\]]/.test(name)) return `{${[`__name__=~"${name}"`, ...matchers].join(', ')}}`;
  return matchers.length === 0 ? name : `${name}{${matchers.join(', ')}}`;
}
