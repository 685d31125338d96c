import {
  type HealthReport,
  MAX_REPORT_FRAME_BYTES,
  MAX_REPORTED_COUNT,
  MAX_RTT_MS,
  MAX_RTT_SAMPLES,
  MIN_PROBE_INTERVAL_MS,
  MIN_REPORT_INTERVAL_MS,
  PROTOCOL_VERSION,
  parseAck,
  probeFrame,
  REPORTED_ERROR_TYPES,
  type ReportedErrorType,
  reportFrame,
} from './protocol.js';

/**
 * What the reporter needs from a socket: a WHATWG WebSocket (browsers, Node's
 * global `WebSocket`) or anything shaped like one, such as a `ws` client.
 */
export interface ReporterSocket {
  readonly readyState: number;
  send(data: string): void;
  addEventListener(type: string, listener: (event: unknown) => void): void;
  removeEventListener(type: string, listener: (event: unknown) => void): void;
}

export interface HealthReporterOptions {
  /** Milliseconds between reports; at least 1100 (the server takes one a second). Default 10000. */
  intervalMs?: number;
  /** Milliseconds between probes; at least 200 (the server answers one per 100 ms). Default 5000. */
  probeIntervalMs?: number;
  /** Milliseconds to wait for a probe's ack before counting `probe_timeout`; 1 to 60000. Default 5000. */
  probeTimeoutMs?: number;
}

/** The current socket's state, or `stopped` after `stop()`. */
export type ReporterState = 'connecting' | 'open' | 'closing' | 'closed' | 'stopped';

/** What the page can show about its own connection. */
export interface HealthSnapshot {
  state: ReporterState;
  /** The latest round trip, in milliseconds; null before the first ack. */
  lastRttMs: number | null;
  /** The median of the latest 32 round trips, in milliseconds; null before the first ack. */
  rttP50Ms: number | null;
  /** Reconnects since the reporter was created (one per `attach()` of a new socket). */
  reconnects: number;
  /** Errors since the reporter was created, all kinds together. */
  errors: number;
  /** Errors since the reporter was created, by kind. */
  errorsByType: Record<ReportedErrorType, number>;
  /** Reports handed to a socket. */
  reportsSent: number;
}

export interface HealthReporter {
  /** Follow a new socket (a reconnect): counts one reconnect and leaves the old socket alone. */
  attach(socket: ReporterSocket): void;
  /** Removes every listener and timer; the reporter sends nothing more. */
  stop(): void;
  snapshot(): HealthSnapshot;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
/**
 * The shortest intervals: the server's limits plus room for timer and network
 * jitter, so a report or probe never lands a hair early and is refused (a
 * dropped probe would read as a probe timeout).
 */
const REPORT_INTERVAL_FLOOR_MS = MIN_REPORT_INTERVAL_MS + 100;
const PROBE_INTERVAL_FLOOR_MS = 2 * MIN_PROBE_INTERVAL_MS;
/** Close codes of an orderly end: normal, going away, and a close frame without a code. */
const ORDERLY_CLOSE_CODES = new Set([1000, 1001, 1005]);

type Timer = ReturnType<typeof setTimeout>;

const now: () => number =
  typeof performance !== 'undefined' && typeof performance.now === 'function'
    ? () => performance.now()
    : () => Date.now();

function option(value: number | undefined, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

/** Node keeps a process alive for a timer; the open socket already does, so ours never should. */
function unref(timer: Timer): Timer {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

function zeroErrors(): Record<ReportedErrorType, number> {
  const errors = {} as Record<ReportedErrorType, number>;
  for (const type of REPORTED_ERROR_TYPES) errors[type] = 0;
  return errors;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

class Reporter {
  readonly #intervalMs: number;
  readonly #probeIntervalMs: number;
  readonly #probeTimeoutMs: number;

  #socket: ReporterSocket | undefined;
  #stopped = false;
  /** The current socket has been open, so its errors are not connect failures. */
  #opened = false;
  #sawError = false;
  #probeTimer: Timer | undefined;
  #reportTimer: Timer | undefined;
  #probeDeadline: Timer | undefined;
  #pending: { token: string; sentAt: number } | undefined;
  #sequence = 0;
  #lastReportAt = Number.NEGATIVE_INFINITY;

  // Since the last report that was sent.
  #rttSamples: number[] = [];
  #reconnects = 0;
  #errors = zeroErrors();

  // Since creation, for snapshot().
  #recentRtts: number[] = [];
  #lastRtt: number | null = null;
  #reconnectsTotal = 0;
  #errorsTotal = zeroErrors();
  #reportsSent = 0;

  // One set of listeners and timer callbacks per reporter, each unable to throw.
  readonly #onOpen = guard(() => this.#handleOpen());
  readonly #onMessage = guard((event: unknown) => this.#handleMessage(event));
  readonly #onError = guard(() => this.#handleError());
  readonly #onClose = guard((event: unknown) => this.#handleClose(event));
  readonly #onProbeTick = guard(() => this.#probe());
  readonly #onReportTick = guard(() => this.#report());
  readonly #onProbeDeadline = guard(() => this.#probeTimedOut());

  constructor(socket: ReporterSocket, options: HealthReporterOptions) {
    this.#intervalMs = option(options.intervalMs, 10000, REPORT_INTERVAL_FLOOR_MS, 2 ** 31 - 1);
    this.#probeIntervalMs = option(
      options.probeIntervalMs,
      5000,
      PROBE_INTERVAL_FLOOR_MS,
      2 ** 31 - 1,
    );
    this.#probeTimeoutMs = option(options.probeTimeoutMs, 5000, 1, MAX_RTT_MS);
    this.#bind(socket);
  }

  attach(socket: ReporterSocket): void {
    if (this.#stopped || socket === this.#socket) return;
    this.#unbind();
    this.#reconnects++;
    this.#reconnectsTotal++;
    this.#bind(socket);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#unbind();
    this.#stopped = true;
  }

  snapshot(): HealthSnapshot {
    let errors = 0;
    for (const type of REPORTED_ERROR_TYPES) errors += this.#errorsTotal[type];
    return {
      state: this.#state(),
      lastRttMs: this.#lastRtt,
      rttP50Ms: median(this.#recentRtts),
      reconnects: this.#reconnectsTotal,
      errors,
      errorsByType: { ...this.#errorsTotal },
      reportsSent: this.#reportsSent,
    };
  }

  #state(): ReporterState {
    if (this.#stopped) return 'stopped';
    const readyState = this.#readyState();
    if (readyState === CONNECTING) return 'connecting';
    if (readyState === OPEN) return 'open';
    if (readyState === CLOSING) return 'closing';
    return 'closed';
  }

  #readyState(): number {
    try {
      return this.#socket ? this.#socket.readyState : -1;
    } catch {
      return -1;
    }
  }

  #bind(socket: ReporterSocket): void {
    this.#socket = socket;
    this.#sawError = false;
    this.#lastReportAt = Number.NEGATIVE_INFINITY;
    try {
      socket.addEventListener('open', this.#onOpen);
      socket.addEventListener('message', this.#onMessage);
      socket.addEventListener('error', this.#onError);
      socket.addEventListener('close', this.#onClose);
    } catch {
      // Not a socket we can follow: stay quiet rather than break the app.
    }
    this.#opened = this.#readyState() === OPEN;
    if (this.#opened) this.#handleOpen();
  }

  #unbind(): void {
    this.#pause();
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket) return;
    try {
      socket.removeEventListener('open', this.#onOpen);
      socket.removeEventListener('message', this.#onMessage);
      socket.removeEventListener('error', this.#onError);
      socket.removeEventListener('close', this.#onClose);
    } catch {
      // Nothing more we can do; our callbacks check which socket is current.
    }
  }

  /** Timers run only while a socket is open; nothing fires while it is closed. */
  #pause(): void {
    clearInterval(this.#probeTimer);
    clearInterval(this.#reportTimer);
    clearTimeout(this.#probeDeadline);
    this.#probeTimer = undefined;
    this.#reportTimer = undefined;
    this.#probeDeadline = undefined;
    this.#pending = undefined;
  }

  #handleOpen(): void {
    this.#opened = true;
    if (this.#probeTimer === undefined) {
      this.#probeTimer = unref(setInterval(this.#onProbeTick, this.#probeIntervalMs));
    }
    if (this.#reportTimer === undefined) {
      this.#reportTimer = unref(setInterval(this.#onReportTick, this.#intervalMs));
    }
    this.#probe();
  }

  #handleMessage(event: unknown): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    const token = parseAck((event as { data?: unknown } | null)?.data);
    if (token !== pending.token) return;
    clearTimeout(this.#probeDeadline);
    this.#probeDeadline = undefined;
    this.#pending = undefined;
    const rtt = Math.round(Math.min(MAX_RTT_MS, Math.max(0, now() - pending.sentAt)) * 1000) / 1000;
    this.#lastRtt = rtt;
    this.#rttSamples.push(rtt);
    if (this.#rttSamples.length > MAX_RTT_SAMPLES) this.#rttSamples.shift();
    this.#recentRtts.push(rtt);
    if (this.#recentRtts.length > MAX_RTT_SAMPLES) this.#recentRtts.shift();
  }

  #handleError(): void {
    this.#sawError = true;
    this.#count(this.#opened ? 'other' : 'connect_failed');
  }

  #handleClose(event: unknown): void {
    this.#pause();
    if (this.#opened) {
      const code = (event as { code?: unknown } | null)?.code;
      if (typeof code !== 'number' || !ORDERLY_CLOSE_CODES.has(code)) {
        this.#count('closed_abnormally');
      }
    } else if (!this.#sawError) {
      // Closed before it ever opened, without an error event first.
      this.#count('connect_failed');
    }
    this.#opened = false;
  }

  #count(type: ReportedErrorType): void {
    this.#errors[type]++;
    this.#errorsTotal[type]++;
  }

  #send(frame: string): boolean {
    const socket = this.#socket;
    if (!socket || this.#readyState() !== OPEN) return false;
    try {
      socket.send(frame);
      return true;
    } catch {
      this.#count('send_failed');
      return false;
    }
  }

  #probe(): void {
    // One probe in flight at a time: a slow peer gets no pile of probes.
    if (this.#pending !== undefined || this.#readyState() !== OPEN) return;
    this.#sequence = (this.#sequence + 1) % Number.MAX_SAFE_INTEGER;
    const token = this.#sequence.toString(36);
    // Pending before the send: an ack may not wait for send() to return.
    this.#pending = { token, sentAt: now() };
    if (!this.#send(probeFrame(token))) {
      this.#pending = undefined;
      return;
    }
    if (this.#pending?.token === token) {
      this.#probeDeadline = unref(setTimeout(this.#onProbeDeadline, this.#probeTimeoutMs));
    }
  }

  #probeTimedOut(): void {
    this.#probeDeadline = undefined;
    if (this.#pending === undefined) return;
    this.#pending = undefined;
    this.#count('probe_timeout');
  }

  #report(): void {
    if (this.#readyState() !== OPEN) return;
    const at = now();
    // The server refuses a second report within MIN_REPORT_INTERVAL_MS on one connection.
    if (at - this.#lastReportAt < MIN_REPORT_INTERVAL_MS) return;
    const report: HealthReport = {
      v: PROTOCOL_VERSION,
      rttMs: this.#rttSamples.slice(),
      reconnects: Math.min(this.#reconnects, MAX_REPORTED_COUNT),
      errors: {},
    };
    for (const type of REPORTED_ERROR_TYPES) {
      const count = Math.min(this.#errors[type], MAX_REPORTED_COUNT);
      if (count > 0) report.errors[type] = count;
    }
    let frame = reportFrame(report);
    // Every character is ASCII, so length is bytes; 32 samples fit with room to spare.
    while (frame.length > MAX_REPORT_FRAME_BYTES && report.rttMs.length > 0) {
      report.rttMs.shift();
      frame = reportFrame(report);
    }
    if (!this.#send(frame)) return;
    this.#lastReportAt = at;
    this.#reportsSent++;
    // Counts above the per-report cap wait for the next report.
    this.#rttSamples = [];
    this.#reconnects -= report.reconnects;
    for (const type of REPORTED_ERROR_TYPES) this.#errors[type] -= report.errors[type] ?? 0;
  }
}

function guard<A extends unknown[]>(work: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      work(...args);
    } catch {
      // The reporter must never throw into the app's event loop.
    }
  };
}

/**
 * Measures a WebSocket's health from the client side and reports it to a
 * server instrumented with `clientReports` enabled. Call `attach()` with each
 * new socket when the app reconnects.
 */
export function createHealthReporter(
  socket: ReporterSocket,
  options: HealthReporterOptions = {},
): HealthReporter {
  const reporter = new Reporter(socket, options);
  return {
    attach: (next) => reporter.attach(next),
    stop: () => reporter.stop(),
    snapshot: () => reporter.snapshot(),
  };
}
