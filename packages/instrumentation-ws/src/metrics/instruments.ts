import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type ObservableCounter,
  type ObservableGauge,
  type ObservableUpDownCounter,
  ValueType,
} from '@opentelemetry/api';
import { type HealthReport, REPORTED_ERROR_TYPES } from '@ws-otel/report-protocol';
import type { ConnectionRegistry } from '../connections/registry.js';
import type { RouteCap } from '../connections/routes.js';
import {
  DIRECTION_RECEIVED,
  DIRECTION_SENT,
  type TrafficCounters,
  TYPE_BINARY,
  TYPE_TEXT,
  trafficIndex,
} from '../connections/traffic.js';
import { SIDE_CLIENT, SIDE_SERVER, type Side } from '../internal-types.js';
import * as sc from '../semconv.js';

const SIDES = [SIDE_SERVER, SIDE_CLIENT] as const;
const HEALTH_VALUES = [
  sc.HEALTH_VALUE_HEALTHY,
  sc.HEALTH_VALUE_DEGRADED,
  sc.HEALTH_VALUE_UNRESPONSIVE,
];
const TYPE_VALUES = [sc.MESSAGE_TYPE_VALUE_TEXT, sc.MESSAGE_TYPE_VALUE_BINARY];
const DIRECTION_VALUES = [sc.MESSAGE_DIRECTION_VALUE_SENT, sc.MESSAGE_DIRECTION_VALUE_RECEIVED];

/** Metric names of one side, indexed by `Side`. */
const NAMES = [
  {
    active: sc.METRIC_SERVER_ACTIVE_CONNECTIONS,
    duration: sc.METRIC_SERVER_CONNECTION_DURATION,
    handshake: sc.METRIC_SERVER_HANDSHAKE_DURATION,
    sentMessages: sc.METRIC_SERVER_SENT_MESSAGES,
    receivedMessages: sc.METRIC_SERVER_RECEIVED_MESSAGES,
    sentBytes: sc.METRIC_SERVER_SENT_BYTES,
    receivedBytes: sc.METRIC_SERVER_RECEIVED_BYTES,
    messageSize: sc.METRIC_SERVER_MESSAGE_SIZE,
    errors: sc.METRIC_SERVER_ERRORS,
    rtt: sc.METRIC_SERVER_HEARTBEAT_RTT,
    timeouts: sc.METRIC_SERVER_HEARTBEAT_TIMEOUTS,
    terminations: sc.METRIC_SERVER_HEARTBEAT_TERMINATIONS,
  },
  {
    active: sc.METRIC_CLIENT_ACTIVE_CONNECTIONS,
    duration: sc.METRIC_CLIENT_CONNECTION_DURATION,
    handshake: sc.METRIC_CLIENT_HANDSHAKE_DURATION,
    sentMessages: sc.METRIC_CLIENT_SENT_MESSAGES,
    receivedMessages: sc.METRIC_CLIENT_RECEIVED_MESSAGES,
    sentBytes: sc.METRIC_CLIENT_SENT_BYTES,
    receivedBytes: sc.METRIC_CLIENT_RECEIVED_BYTES,
    messageSize: sc.METRIC_CLIENT_MESSAGE_SIZE,
    errors: sc.METRIC_CLIENT_ERRORS,
    rtt: sc.METRIC_CLIENT_HEARTBEAT_RTT,
    timeouts: sc.METRIC_CLIENT_HEARTBEAT_TIMEOUTS,
    terminations: sc.METRIC_CLIENT_HEARTBEAT_TERMINATIONS,
  },
] as const;

const SIDE_WORD = ['server', 'client'] as const;
const CONNECTIONS_WORD = ['accepted by a WebSocketServer', 'opened with new WebSocket(url)'];

const NO_ATTRIBUTES: Attributes = {};
/** Attribute sets of the message counters, built once: [type]. */
const TYPE_ATTRIBUTES: Attributes[] = TYPE_VALUES.map((type) => ({
  [sc.ATTR_WEBSOCKET_MESSAGE_TYPE]: type,
}));
/** Attribute sets of the message size histogram, built once: [direction * 2 + type]. */
const SIZE_ATTRIBUTES: Attributes[] = DIRECTION_VALUES.flatMap((direction) =>
  TYPE_VALUES.map((type) => ({
    [sc.ATTR_WEBSOCKET_MESSAGE_DIRECTION]: direction,
    [sc.ATTR_WEBSOCKET_MESSAGE_TYPE]: type,
  })),
);

interface SideInstruments {
  active: ObservableUpDownCounter;
  connectionDuration: Histogram;
  handshakeDuration: Histogram;
  sentMessages: ObservableCounter;
  receivedMessages: ObservableCounter;
  sentBytes: ObservableCounter;
  receivedBytes: ObservableCounter;
  messageSize: Histogram | undefined;
  errors: Counter;
  rtt: Histogram;
  timeouts: Counter;
  terminations: Counter;
}

/** Instruments that exist on the server side only. */
interface ServerOnlyInstruments {
  sendQueueSize: ObservableGauge;
  backpressured: ObservableUpDownCounter;
  broadcastDuration: Histogram;
  broadcastRecipients: Histogram;
}

/** Instruments for client reports, created only when they are enabled. */
interface ReportInstruments {
  rtt: Histogram;
  reconnects: Counter;
  errors: Counter;
  reports: Counter;
}

const REPORT_OUTCOME_ATTRIBUTES = [
  { [sc.ATTR_WEBSOCKET_REPORT_OUTCOME]: sc.REPORT_OUTCOME_VALUE_REJECTED },
  { [sc.ATTR_WEBSOCKET_REPORT_OUTCOME]: sc.REPORT_OUTCOME_VALUE_ACCEPTED },
];
const REPORTED_ERROR_ATTRIBUTES: Record<string, Attributes> = Object.fromEntries(
  REPORTED_ERROR_TYPES.map((type) => [type, { [sc.ATTR_ERROR_TYPE]: type }]),
);

/** What a batch observable callback is handed. */
interface BatchResult {
  observe(
    metric: ObservableCounter | ObservableUpDownCounter | ObservableGauge,
    value: number,
    attributes?: Attributes,
  ): void;
}

/** Where the instruments read what they report. */
export interface MetricSources {
  registry: ConnectionRegistry;
  traffic: TrafficCounters;
  routes: () => RouteCap;
  backpressureThreshold: () => number;
}

/**
 * The instruments of both sides on one meter. Histograms and counters are
 * recorded by the hooks; everything observable reads the registry and the
 * traffic totals when the SDK collects.
 */
export class WsMetrics {
  readonly sides: readonly [SideInstruments, SideInstruments];
  readonly server: ServerOnlyInstruments;
  readonly reports: ReportInstruments | undefined;

  constructor(
    meter: Meter,
    private readonly sources: MetricSources,
    options: { messageSizeHistogram: boolean; clientReports: boolean },
  ) {
    const { messageSizeHistogram } = options;
    this.reports = options.clientReports ? createReportInstruments(meter) : undefined;
    // Both outcome series exist from the start: a flood of rejections adds no series.
    for (const attributes of REPORT_OUTCOME_ATTRIBUTES) this.reports?.reports.add(0, attributes);
    this.sides = [
      createSideInstruments(meter, SIDE_SERVER, messageSizeHistogram),
      createSideInstruments(meter, SIDE_CLIENT, messageSizeHistogram),
    ];
    this.server = createServerOnlyInstruments(meter);
    // Heartbeat counters report 0 from the start, so dashboards and alerts see a series.
    for (const side of this.sides) {
      side.timeouts.add(0, NO_ATTRIBUTES);
      side.terminations.add(0, NO_ATTRIBUTES);
    }
    const observables = this.sides.flatMap((s) => [
      s.active,
      s.sentMessages,
      s.receivedMessages,
      s.sentBytes,
      s.receivedBytes,
    ]);
    observables.push(this.server.sendQueueSize, this.server.backpressured);
    meter.addBatchObservableCallback(this.observeAll, observables);
    this.detach = () => meter.removeBatchObservableCallback(this.observeAll, observables);
  }

  /**
   * Takes the observable callback off its meter, for when these instruments
   * are replaced (`setMeterProvider()`, a config change): the old meter stops
   * reporting the totals instead of exporting them twice or going stale.
   */
  readonly detach: () => void;

  private readonly observeAll = (result: BatchResult): void => this.observe(result);

  countReport(accepted: boolean): void {
    this.reports?.reports.add(1, REPORT_OUTCOME_ATTRIBUTES[accepted ? 1 : 0]);
  }

  /** Records an accepted report: every round trip, the reconnects and the errors it carries. */
  recordReport(report: Omit<HealthReport, 'v'>): void {
    const instruments = this.reports;
    if (instruments === undefined) return;
    instruments.reports.add(1, REPORT_OUTCOME_ATTRIBUTES[1]);
    for (const ms of report.rttMs) instruments.rtt.record(ms / 1000, NO_ATTRIBUTES);
    if (report.reconnects > 0) instruments.reconnects.add(report.reconnects, NO_ATTRIBUTES);
    for (const [type, count] of Object.entries(report.errors)) {
      if (count > 0) instruments.errors.add(count, REPORTED_ERROR_ATTRIBUTES[type]);
    }
  }

  recordBroadcast(recipients: number, seconds: number, attributes: Attributes): void {
    this.server.broadcastRecipients.record(recipients, attributes);
    this.server.broadcastDuration.record(seconds, attributes);
  }

  /** Records one finished handshake; `errorType` only for failures. */
  recordHandshake(side: Side, seconds: number, attributes: Attributes): void {
    this.sides[side].handshakeDuration.record(seconds, attributes);
  }

  recordConnection(side: Side, seconds: number, attributes: Attributes): void {
    this.sides[side].connectionDuration.record(seconds, attributes);
  }

  countError(side: Side, errorType: string): void {
    this.sides[side].errors.add(1, { [sc.ATTR_ERROR_TYPE]: errorType });
  }

  recordHeartbeatRtt(side: Side, seconds: number): void {
    this.sides[side].rtt.record(seconds, NO_ATTRIBUTES);
  }

  countHeartbeatTimeout(side: Side): void {
    this.sides[side].timeouts.add(1, NO_ATTRIBUTES);
  }

  countHeartbeatTermination(side: Side): void {
    this.sides[side].terminations.add(1, NO_ATTRIBUTES);
  }

  recordMessageSize(side: Side, direction: number, type: number, bytes: number): void {
    this.sides[side].messageSize?.record(bytes, SIZE_ATTRIBUTES[direction * 2 + type]);
  }

  private observe(result: BatchResult): void {
    const { messages, bytes } = this.sources.traffic;
    for (const side of SIDES) {
      const s = this.sides[side];
      for (const type of [TYPE_TEXT, TYPE_BINARY]) {
        const sent = trafficIndex(side, DIRECTION_SENT, type);
        const received = trafficIndex(side, DIRECTION_RECEIVED, type);
        const attributes = TYPE_ATTRIBUTES[type];
        result.observe(s.sentMessages, messages[sent]!, attributes);
        result.observe(s.receivedMessages, messages[received]!, attributes);
        result.observe(s.sentBytes, bytes[sent]!, attributes);
        result.observe(s.receivedBytes, bytes[received]!, attributes);
      }
    }
    this.observeActive(result);
    this.observeBackpressure(result);
  }

  /**
   * Sums what server connections have queued (`bufferedAmount`, ws's own
   * getter). Only connections whose sends left data in the socket are read;
   * the ones that have drained leave the list here.
   */
  private observeBackpressure(result: {
    observe(metric: ObservableGauge | ObservableUpDownCounter, value: number): void;
  }): void {
    const threshold = this.sources.backpressureThreshold();
    const { registry } = this.sources;
    let queued = 0;
    let backpressured = 0;
    for (const record of registry.queued) {
      const buffered = (record.socket as { bufferedAmount?: unknown }).bufferedAmount;
      if (record.slot < 0 || typeof buffered !== 'number' || buffered === 0) {
        registry.unqueue(record);
        continue;
      }
      queued += buffered;
      if (buffered >= threshold) backpressured++;
    }
    result.observe(this.server.sendQueueSize, queued);
    result.observe(this.server.backpressured, backpressured);
  }

  /** Live connections by side, route and health, from the counts the registry keeps. */
  private observeActive(result: {
    observe(metric: ObservableUpDownCounter, value: number, attributes?: Attributes): void;
  }): void {
    const { active } = this.sources.registry;
    for (const side of SIDES) {
      const byRoute = new Map(active[side]);
      if (!byRoute.has(undefined)) byRoute.set(undefined, [0, 0, 0]);
      // Routes once seen keep reporting (0 when empty), so their series never go stale.
      if (side === SIDE_SERVER) {
        for (const route of this.sources.routes().known()) {
          if (!byRoute.has(route)) byRoute.set(route, [0, 0, 0]);
        }
      }
      for (const [route, counts] of byRoute) {
        for (let health = 0; health < HEALTH_VALUES.length; health++) {
          const attributes: Attributes = {
            [sc.ATTR_WEBSOCKET_CONNECTION_HEALTH]: HEALTH_VALUES[health],
          };
          if (route !== undefined) attributes[sc.ATTR_WEBSOCKET_ROUTE] = route;
          result.observe(this.sides[side].active, counts[health]!, attributes);
        }
      }
    }
  }
}

function createReportInstruments(meter: Meter): ReportInstruments {
  return {
    rtt: meter.createHistogram(sc.METRIC_SERVER_REPORTED_RTT, {
      description: 'Round trips that clients measured with probes and reported.',
      unit: 's',
      advice: { explicitBucketBoundaries: sc.BUCKETS_LATENCY_SECONDS },
    }),
    reconnects: meter.createCounter(sc.METRIC_SERVER_REPORTED_RECONNECTS, {
      description: 'Reconnects that clients reported.',
      unit: '{reconnect}',
      valueType: ValueType.INT,
    }),
    errors: meter.createCounter(sc.METRIC_SERVER_REPORTED_ERRORS, {
      description: 'Errors that clients reported, by type.',
      unit: '{error}',
      valueType: ValueType.INT,
    }),
    reports: meter.createCounter(sc.METRIC_SERVER_REPORTS, {
      description: 'Client reports seen, accepted or rejected.',
      unit: '{report}',
      valueType: ValueType.INT,
    }),
  };
}

function createServerOnlyInstruments(meter: Meter): ServerOnlyInstruments {
  return {
    sendQueueSize: meter.createObservableGauge(sc.METRIC_SERVER_SEND_QUEUE_SIZE, {
      description: 'Bytes queued for sending over all live server connections (bufferedAmount).',
      unit: 'By',
      valueType: ValueType.INT,
    }),
    backpressured: meter.createObservableUpDownCounter(sc.METRIC_SERVER_BACKPRESSURED_CONNECTIONS, {
      description:
        'Live server connections whose send queue is at or over the backpressure threshold.',
      unit: '{connection}',
      valueType: ValueType.INT,
    }),
    broadcastDuration: meter.createHistogram(sc.METRIC_SERVER_BROADCAST_DURATION, {
      description: 'Time to fan one payload out to many sockets, from the first send to the last.',
      unit: 's',
      advice: { explicitBucketBoundaries: sc.BUCKETS_BROADCAST_SECONDS },
    }),
    broadcastRecipients: meter.createHistogram(sc.METRIC_SERVER_BROADCAST_RECIPIENTS, {
      description: 'Sockets one broadcast was handed to.',
      unit: '{connection}',
      valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: sc.BUCKETS_RECIPIENTS },
    }),
  };
}

function createSideInstruments(
  meter: Meter,
  side: Side,
  messageSizeHistogram: boolean,
): SideInstruments {
  const names = NAMES[side];
  const word = SIDE_WORD[side];
  const connections = CONNECTIONS_WORD[side];
  return {
    active: meter.createObservableUpDownCounter(names.active, {
      description: `Open WebSocket connections ${connections}, by health.`,
      unit: '{connection}',
      valueType: ValueType.INT,
    }),
    connectionDuration: meter.createHistogram(names.duration, {
      description: `Lifetime of ${word}-side WebSocket connections, from open to close.`,
      unit: 's',
      advice: { explicitBucketBoundaries: sc.BUCKETS_CONNECTION_SECONDS },
    }),
    handshakeDuration: meter.createHistogram(names.handshake, {
      description:
        side === SIDE_SERVER
          ? 'Time from the upgrade request to the 101 response or the rejection.'
          : 'Time to connect: TCP, TLS and the upgrade, until open or failure.',
      unit: 's',
      advice: { explicitBucketBoundaries: sc.BUCKETS_LATENCY_SECONDS },
    }),
    sentMessages: meter.createObservableCounter(names.sentMessages, {
      description: `WebSocket messages sent on ${word}-side connections.`,
      unit: '{message}',
      valueType: ValueType.INT,
    }),
    receivedMessages: meter.createObservableCounter(names.receivedMessages, {
      description: `WebSocket messages received on ${word}-side connections.`,
      unit: '{message}',
      valueType: ValueType.INT,
    }),
    sentBytes: meter.createObservableCounter(names.sentBytes, {
      description: `Payload bytes of WebSocket messages sent on ${word}-side connections.`,
      unit: 'By',
      valueType: ValueType.INT,
    }),
    receivedBytes: meter.createObservableCounter(names.receivedBytes, {
      description: `Payload bytes of WebSocket messages received on ${word}-side connections.`,
      unit: 'By',
      valueType: ValueType.INT,
    }),
    messageSize: messageSizeHistogram
      ? meter.createHistogram(names.messageSize, {
          description: `Payload size of each WebSocket message on ${word}-side connections.`,
          unit: 'By',
          valueType: ValueType.INT,
          advice: { explicitBucketBoundaries: sc.BUCKETS_MESSAGE_BYTES },
        })
      : undefined,
    errors: meter.createCounter(names.errors, {
      description: `Errors on ${word}-side WebSocket connections: protocol errors, socket errors and failed sends.`,
      unit: '{error}',
      valueType: ValueType.INT,
    }),
    rtt: meter.createHistogram(names.rtt, {
      description: `Heartbeat round trip on ${word}-side connections, from ping to its pong.`,
      unit: 's',
      advice: { explicitBucketBoundaries: sc.BUCKETS_LATENCY_SECONDS },
    }),
    timeouts: meter.createCounter(names.timeouts, {
      description: `Heartbeat pings on ${word}-side connections whose pong did not come within the timeout.`,
      unit: '{timeout}',
      valueType: ValueType.INT,
    }),
    terminations: meter.createCounter(names.terminations, {
      description: `${word === 'server' ? 'Server' : 'Client'}-side connections the heartbeat ended as dead.`,
      unit: '{connection}',
      valueType: ValueType.INT,
    }),
  };
}
