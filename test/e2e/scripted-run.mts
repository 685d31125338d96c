// What the scripted app (fixtures/scripted-app.cjs) must leave in a backend
// after `rounds` rounds, under both naming paths: `scrape` as the JavaScript
// Prometheus exporter names it, `otlp` as OTLP ingestion with Prometheus
// naming does. Each round: 5 connections, 3 text (16 B) + 2 binary (64 B)
// messages each way per connection, one normal close, one lost connection,
// one oversized message, two refused handshakes; two connections stay open.
// Since the heartbeat, broadcast, backpressure and client-report metrics, each
// round also: one valid and one invalid client report (two text frames the
// server receives but never echoes); a silent and a slow client, two more
// handshakes, both ended by the heartbeat at their first missed pong (one
// timeout and one termination each); 16 binary messages of 1 MiB sent to the
// slow one; one broadcast of a text message to the survivors so far (2 in the
// first round, 4 in the second).

/**
 * The settings the scripted app runs with, on top of the exporters: a ping
 * every 250 ms with 2 s for its pong, so healthy peers never miss and the
 * silent and slow ones end within a round; the first miss ends a connection;
 * a connection is backpressured from 64 KiB queued; client reports on.
 */
export const SCRIPTED_APP_ENV = {
  OTEL_WS_MESSAGE_SIZE_HISTOGRAM: 'true',
  OTEL_WS_HEARTBEAT_INTERVAL: '250',
  OTEL_WS_HEARTBEAT_TIMEOUT: '2000',
  OTEL_WS_HEARTBEAT_MAX_MISSED: '0',
  OTEL_WS_HEARTBEAT_TERMINATE: 'true',
  OTEL_WS_BACKPRESSURE_THRESHOLD: '65536',
  OTEL_WS_CLIENT_REPORTS: 'true',
};

const REPORT_PREFIX = '\u001ewsotel/1 report ';

/** The round as the app prints it in its ready line (`plan`); the test checks they agree. */
export const PLAN = {
  connections: 5,
  textPerClient: 3,
  textBytes: 16,
  binaryPerClient: 2,
  binaryBytes: 64,
  maxPayload: 1024,
  oversizedBytes: 2048,
  refusedHandshakes: 2,
  reporter: 3,
  reports: [
    `${REPORT_PREFIX}{"v":1,"rttMs":[12,30],"reconnects":1,"errors":{"other":1}}`,
    `${REPORT_PREFIX}{"v":1,"rttMs":[-5],"reconnects":0,"errors":{}}`,
  ],
  slowMessages: 16,
  slowMessageBytes: 1024 * 1024,
  broadcast: 'to everyone still here',
};

/** Payload bytes of the two report frames of one round. */
export const REPORT_BYTES = PLAN.reports.reduce((sum, frame) => sum + Buffer.byteLength(frame), 0);
/** Payload bytes of the 16 messages to the slow client of one round. */
export const SLOW_BYTES = PLAN.slowMessages * PLAN.slowMessageBytes;
/** Broadcast messages sent after `rounds` rounds: 2 + 4 + ... survivors. */
export function broadcastsSent(rounds: number): number {
  return rounds * (rounds + 1);
}
export const BROADCAST_BYTES = Buffer.byteLength(PLAN.broadcast);

export interface Expectation {
  what: string;
  scrape: string;
  otlp: string;
  value: number;
}

function same(name: string): { scrape: string; otlp: string } {
  return { scrape: name, otlp: name };
}

export function expectedAfter(rounds: number): Expectation[] {
  const r = rounds;
  const connectionEnds = {
    scrape: 'websocket_server_connection_duration_count',
    otlp: 'websocket_server_connection_duration_seconds_count',
  };
  const handshakes = {
    scrape: 'websocket_server_handshake_duration_count',
    otlp: 'websocket_server_handshake_duration_seconds_count',
  };
  const sizes = {
    scrape: 'websocket_server_message_size_count',
    otlp: 'websocket_server_message_size_bytes_count',
  };
  const sizeSums = {
    scrape: 'websocket_server_message_size_sum',
    otlp: 'websocket_server_message_size_bytes_sum',
  };
  const broadcastDurations = {
    scrape: 'websocket_server_broadcast_duration_count',
    otlp: 'websocket_server_broadcast_duration_seconds_count',
  };
  const reportedRtts = {
    scrape: 'websocket_server_reported_rtt_count',
    otlp: 'websocket_server_reported_rtt_seconds_count',
  };
  const sendQueue = {
    scrape: 'websocket_server_send_queue_size',
    otlp: 'websocket_server_send_queue_size_bytes',
  };
  const broadcastText = broadcastsSent(r) * BROADCAST_BYTES;
  const rows: Array<[string, { scrape: string; otlp: string }, string, number]> = [
    [
      'open healthy connections',
      same('websocket_server_active_connections'),
      'websocket_connection_health="healthy"',
      2 * r,
    ],
    [
      'open degraded connections',
      same('websocket_server_active_connections'),
      'websocket_connection_health="degraded"',
      0,
    ],
    [
      'open unresponsive connections',
      same('websocket_server_active_connections'),
      'websocket_connection_health="unresponsive"',
      0,
    ],
    [
      'text messages received, the report frames included',
      same('websocket_server_received_messages_total'),
      'websocket_message_type="text"',
      (15 + 2) * r,
    ],
    [
      'binary messages received',
      same('websocket_server_received_messages_total'),
      'websocket_message_type="binary"',
      10 * r,
    ],
    [
      'text messages sent, the broadcasts included',
      same('websocket_server_sent_messages_total'),
      'websocket_message_type="text"',
      15 * r + broadcastsSent(r),
    ],
    [
      'binary messages sent, those to the slow client included',
      same('websocket_server_sent_messages_total'),
      'websocket_message_type="binary"',
      (10 + 16) * r,
    ],
    [
      'text bytes received, the report frames included',
      same('websocket_server_received_bytes_total'),
      'websocket_message_type="text"',
      (240 + REPORT_BYTES) * r,
    ],
    [
      'binary bytes received',
      same('websocket_server_received_bytes_total'),
      'websocket_message_type="binary"',
      640 * r,
    ],
    [
      'text bytes sent, the broadcasts included',
      same('websocket_server_sent_bytes_total'),
      'websocket_message_type="text"',
      240 * r + broadcastText,
    ],
    [
      'binary bytes sent, those to the slow client included',
      same('websocket_server_sent_bytes_total'),
      'websocket_message_type="binary"',
      (640 + SLOW_BYTES) * r,
    ],
    [
      'handshakes completed, the silent and slow clients included',
      handshakes,
      'error_type=""',
      7 * r,
    ],
    ['handshakes refused with 401', handshakes, 'error_type="401"', 2 * r],
    [
      'normal closes by the client',
      connectionEnds,
      'websocket_close_code="1000", websocket_close_initiator="client", error_type=""',
      r,
    ],
    [
      'connections lost',
      connectionEnds,
      'websocket_close_code="1006", websocket_close_initiator="none", error_type="connection_lost"',
      r,
    ],
    [
      'oversized messages',
      connectionEnds,
      'websocket_close_code="1006", websocket_close_initiator="server", error_type="WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"',
      r,
    ],
    [
      'connections the heartbeat ended',
      connectionEnds,
      'websocket_close_code="1006", websocket_close_initiator="server", error_type="heartbeat_timeout"',
      2 * r,
    ],
    [
      'protocol errors',
      same('websocket_server_errors_total'),
      'error_type="WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"',
      r,
    ],
    [
      'sends on a closed socket',
      same('websocket_server_errors_total'),
      'error_type="send_not_open"',
      r,
    ],
    [
      'binary messages received, sized',
      sizes,
      'websocket_message_direction="received", websocket_message_type="binary"',
      10 * r,
    ],
    [
      'text bytes sent, sized, the broadcasts included',
      sizeSums,
      'websocket_message_direction="sent", websocket_message_type="text"',
      240 * r + broadcastText,
    ],
    ['heartbeat timeouts', same('websocket_server_heartbeat_timeouts_total'), '', 2 * r],
    ['heartbeat terminations', same('websocket_server_heartbeat_terminations_total'), '', 2 * r],
    [
      'broadcasts',
      same('websocket_server_broadcast_recipients_count'),
      'websocket_broadcast_outcome="success"',
      r,
    ],
    [
      'broadcast recipients',
      same('websocket_server_broadcast_recipients_sum'),
      'websocket_broadcast_outcome="success"',
      broadcastsSent(r),
    ],
    ['broadcasts timed', broadcastDurations, 'websocket_broadcast_outcome="success"', r],
    ['connections backpressured now', same('websocket_server_backpressured_connections'), '', 0],
    ['bytes queued now', sendQueue, '', 0],
    [
      'client reports accepted',
      same('websocket_server_reports_total'),
      'websocket_report_outcome="accepted"',
      r,
    ],
    [
      'client reports rejected',
      same('websocket_server_reports_total'),
      'websocket_report_outcome="rejected"',
      r,
    ],
    ['reported round trips', reportedRtts, '', 2 * r],
    ['reported reconnects', same('websocket_server_reported_reconnects_total'), '', r],
    ['reported errors', same('websocket_server_reported_errors_total'), 'error_type="other"', r],
  ];
  return rows.map(([what, names, labels, value]) => ({
    what,
    scrape: `${names.scrape}{${labels}}`,
    otlp: `${names.otlp}{${labels}}`,
    value,
  }));
}

/** `sum(name{labels, extra})`: adds matchers (the service's) inside the braces. */
export function sumWith(selector: string, extra: string): string {
  return `sum(${selector.replace(/\{(.*)\}$/, (_, labels: string) => `{${labels ? `${labels}, ` : ''}${extra}}`)})`;
}
