import {
  FRAME_ACK,
  FRAME_PROBE,
  FRAME_REPORT,
  FRAME_TAG,
  FRAME_TAG_PREFIX,
  type HealthReport,
  MAX_REPORT_FRAME_BYTES,
  MAX_REPORTED_COUNT,
  MAX_RTT_MS,
  MAX_RTT_SAMPLES,
  MIN_PROBE_INTERVAL_MS,
  MIN_REPORT_INTERVAL_MS,
  REPORTED_ERROR_TYPES,
  TOKEN_PATTERN,
} from '@ws-otel/report-protocol';
import type { ConnectionRecord } from '../connections/registry.js';
import { READY_STATE_OPEN } from '../internal-types.js';
import type { WsMetrics } from '../metrics/instruments.js';

/**
 * The server side of client reports from `@ws-otel/client-reporter`. The wire
 * protocol (tag, verbs, limits, error kinds) is defined once, in
 * `@ws-otel/report-protocol`:
 *   probe <token>   answered at once with "ack <token>" (the client times it)
 *   report <json>   {"v":1,"rttMs":[...],"reconnects":n,"errors":{...}}
 * Everything a client sends is bounded before it is believed: frame size,
 * types, numeric ranges, known error names, one report per second and one
 * probe per 100 ms per connection. Nothing in a report becomes a new series.
 * Frames of any protocol version are kept from the app.
 */
export { MAX_RTT_SAMPLES, REPORTED_ERROR_TYPES };

const RECORD_SEPARATOR = 0x1e;
const TAG_BYTES = Buffer.from(FRAME_TAG_PREFIX, 'latin1');
const PROBE_PREFIX = `${FRAME_TAG}${FRAME_PROBE} `;
const REPORT_PREFIX = `${FRAME_TAG}${FRAME_REPORT} `;
const ACK_PREFIX = `${FRAME_TAG}${FRAME_ACK} `;
const REPORT_FIELDS = new Set(['v', 'rttMs', 'reconnects', 'errors']);
const ERROR_TYPES = new Set<string>(REPORTED_ERROR_TYPES);

/** A report that passed every check: the protocol's report without its version. */
export type ClientReport = Omit<HealthReport, 'v'>;

const isCount = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_REPORTED_COUNT;

/**
 * Parses and validates the JSON body of a report. Returns undefined for
 * anything that is not exactly a version 1 report within bounds; never throws.
 */
export function parseReport(json: string): ClientReport | undefined {
  if (json.length > MAX_REPORT_FRAME_BYTES) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!REPORT_FIELDS.has(key)) return undefined;
  const { v, rttMs, reconnects, errors } = fields;
  if (v !== 1 || !isCount(reconnects)) return undefined;
  if (!Array.isArray(rttMs) || rttMs.length > MAX_RTT_SAMPLES) return undefined;
  for (const sample of rttMs) {
    if (
      typeof sample !== 'number' ||
      !Number.isFinite(sample) ||
      sample < 0 ||
      sample > MAX_RTT_MS
    ) {
      return undefined;
    }
  }
  if (typeof errors !== 'object' || errors === null || Array.isArray(errors)) return undefined;
  for (const [name, count] of Object.entries(errors)) {
    if (!ERROR_TYPES.has(name) || !isCount(count)) return undefined;
  }
  return { rttMs, reconnects, errors: errors as ClientReport['errors'] };
}

/** The frame's text when it starts with our tag; undefined for the app's own frames. */
function reporterText(data: unknown): string | undefined {
  if (typeof data === 'string') {
    return data.charCodeAt(0) === RECORD_SEPARATOR && data.startsWith(FRAME_TAG_PREFIX)
      ? data
      : undefined;
  }
  if (!Buffer.isBuffer(data) || data[0] !== RECORD_SEPARATOR) return undefined;
  if (
    data.length < TAG_BYTES.length ||
    data.compare(TAG_BYTES, 0, TAG_BYTES.length, 0, TAG_BYTES.length) !== 0
  ) {
    return undefined;
  }
  // Past the size cap the text is never needed: the frame is rejected as it is.
  return data.length > MAX_REPORT_FRAME_BYTES ? FRAME_TAG_PREFIX : data.toString('utf8');
}

/** Where a socket answers probes from; `send` is ws's (hooked) send. */
interface ReportingSocket {
  _readyState: number;
  send(data: string): void;
}

/**
 * Handles a text frame that may be a reporter frame. Returns true when it was
 * one (handled here, whatever the outcome), false for the app's own frames.
 * The first check is one byte, so app traffic pays nothing more.
 */
export function handleReporterFrame(
  metrics: WsMetrics,
  record: ConnectionRecord,
  socket: ReportingSocket,
  data: unknown,
): boolean {
  const text = reporterText(data);
  if (text === undefined) return false;
  try {
    handleTaggedFrame(metrics, record, socket, data, text);
  } catch {
    metrics.countReport(false); // whatever went wrong, the app never sees it
  }
  return true;
}

function handleTaggedFrame(
  metrics: WsMetrics,
  record: ConnectionRecord,
  socket: ReportingSocket,
  data: unknown,
  text: string,
): void {
  const now = Math.floor(performance.now());
  record.reports ??= { lastReportAt: -MIN_REPORT_INTERVAL_MS, lastProbeAt: -MIN_PROBE_INTERVAL_MS };
  const limits = record.reports;
  const byteLength = typeof data === 'string' ? Buffer.byteLength(data) : (data as Buffer).length;
  if (byteLength <= MAX_REPORT_FRAME_BYTES && text.startsWith(PROBE_PREFIX)) {
    const token = text.slice(PROBE_PREFIX.length);
    // A probe that arrives after close() started gets no answer: that send would fail.
    if (
      TOKEN_PATTERN.test(token) &&
      now - limits.lastProbeAt >= MIN_PROBE_INTERVAL_MS &&
      socket._readyState === READY_STATE_OPEN
    ) {
      limits.lastProbeAt = now;
      socket.send(`${ACK_PREFIX}${token}`);
    }
    return;
  }
  const report =
    byteLength <= MAX_REPORT_FRAME_BYTES &&
    now - limits.lastReportAt >= MIN_REPORT_INTERVAL_MS &&
    text.startsWith(REPORT_PREFIX)
      ? parseReport(text.slice(REPORT_PREFIX.length))
      : undefined;
  if (report === undefined) {
    metrics.countReport(false);
    return;
  }
  limits.lastReportAt = now;
  metrics.recordReport(report);
}
