/**
 * The client-report wire protocol, version 1: the one definition that the
 * browser side (@ws-otel/client-reporter) and the server side
 * (@ws-otel/instrumentation-ws) both use. Plain values and string helpers
 * only, no Node or DOM code. Every frame is a text frame that starts with
 * FRAME_TAG.
 *
 *   client -> server  "\u001ewsotel/1 probe <token>"
 *   server -> client  "\u001ewsotel/1 ack <token>"
 *   client -> server  "\u001ewsotel/1 report <json>"
 */

/** The protocol version carried in the tag and in every report's `v`. */
export const PROTOCOL_VERSION = 1;
/**
 * Starts a frame of any version of this protocol: U+001E RECORD SEPARATOR and
 * `wsotel/`. A server keeps every such frame from the app, also versions it
 * does not understand.
 */
export const FRAME_TAG_PREFIX = '\u001ewsotel/';
/** Starts every version 1 reporter frame: FRAME_TAG_PREFIX, `1`, one space. */
export const FRAME_TAG = `${FRAME_TAG_PREFIX}${PROTOCOL_VERSION} `;
/** A probe frame's kind: the server answers it with an ack carrying the same token. */
export const FRAME_PROBE = 'probe';
/** An ack frame's kind, sent by the server. */
export const FRAME_ACK = 'ack';
/** A report frame's kind: the JSON report follows. */
export const FRAME_REPORT = 'report';
/** A probe token: 1 to 16 characters of [0-9a-z]. */
export const TOKEN_PATTERN = /^[0-9a-z]{1,16}$/;
/** The largest report frame, tag included, in bytes. */
export const MAX_REPORT_FRAME_BYTES = 4096;
/** The most round-trip samples one report carries. */
export const MAX_RTT_SAMPLES = 32;
/** The largest round trip a report may carry, in milliseconds. */
export const MAX_RTT_MS = 60000;
/** The largest reconnect or error count a report may carry. */
export const MAX_REPORTED_COUNT = 1000;
/** The server accepts at most one report per this many milliseconds per connection. */
export const MIN_REPORT_INTERVAL_MS = 1000;
/** The server answers at most one probe per this many milliseconds per connection. */
export const MIN_PROBE_INTERVAL_MS = 100;
/** The error kinds a report may count. */
export const REPORTED_ERROR_TYPES = [
  'connect_failed',
  'closed_abnormally',
  'probe_timeout',
  'send_failed',
  'other',
] as const;

/** One of REPORTED_ERROR_TYPES. */
export type ReportedErrorType = (typeof REPORTED_ERROR_TYPES)[number];

/** The JSON body of a report frame: counts since the previous report on any connection. */
export interface HealthReport {
  v: 1;
  /** Round trips measured since the last report, in milliseconds, at most 32. */
  rttMs: number[];
  /** Reconnects since the last report. */
  reconnects: number;
  /** Errors since the last report, by kind; kinds with no errors are left out. */
  errors: Partial<Record<ReportedErrorType, number>>;
}

/**
 * True for a frame of this protocol (a probe, ack or report). An app's own
 * `message` listener sees the server's acks; skip them with
 * `if (isReporterFrame(event.data)) return;`.
 */
export function isReporterFrame(data: unknown): boolean {
  return typeof data === 'string' && data.charCodeAt(0) === 0x1e && data.startsWith(FRAME_TAG);
}

/** The probe frame for `token`. */
export function probeFrame(token: string): string {
  return `${FRAME_TAG}${FRAME_PROBE} ${token}`;
}

/** The ack frame for `token`, as the server sends it. */
export function ackFrame(token: string): string {
  return `${FRAME_TAG}${FRAME_ACK} ${token}`;
}

/** The report frame carrying `report`. */
export function reportFrame(report: HealthReport): string {
  return `${FRAME_TAG}${FRAME_REPORT} ${JSON.stringify(report)}`;
}

const ACK_PREFIX = `${FRAME_TAG}${FRAME_ACK} `;

/** The token of an ack frame, or undefined when `data` is not a valid ack. */
export function parseAck(data: unknown): string | undefined {
  if (!isReporterFrame(data) || !(data as string).startsWith(ACK_PREFIX)) return undefined;
  const token = (data as string).slice(ACK_PREFIX.length);
  return TOKEN_PATTERN.test(token) ? token : undefined;
}
