/**
 * The Grafana dashboard for WebSocket servers instrumented by
 * @ws-otel/instrumentation-ws. Every query works on both naming paths and both
 * label schemes; see the README for how the service and instance filters do it.
 */
import { resolveConfig } from './config.mjs';
import { METRICS, selector } from './metrics.mjs';

const DATASOURCE = { type: 'prometheus', uid: `\${datasource}` };
const RATE = '$__rate_interval';
/** Grafana's custom unit for counts per second: "12/s". */
const PER_SECOND = 'suffix:/s';

/**
 * Matchers that keep the chosen service and instance on either label scheme:
 * a series lacks the other scheme's label, and an absent label equals "", which
 * the trailing `?` accepts. So `{job=~"(chat)?", service_name=~"(chat)?"}` keeps
 * a scraped series with job="chat" and an OTLP one with service_name="chat".
 */
function filters(config) {
  return [
    ...config.serviceLabels.map((label) => `${label}=~"(\${service})?"`),
    ...config.instanceLabels.map((label) => `${label}=~"(\${instance})?"`),
  ];
}

function withExtra(config, extra) {
  return [...filters(config), ...extra];
}

/** histogram_quantile targets, one per level (p50, p95, p99 unless told), split `by` labels. */
function quantiles(config, bucketMetric, { by = [], levels = [0.5, 0.95, 0.99] } = {}) {
  const sel = selector(bucketMetric, filters(config));
  const labels = ['le', ...by].join(', ');
  const legendTail = by.map((label) => ` {{${label}}}`).join('');
  return levels.map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${labels}) (rate(${sel}[${RATE}])))`,
    legendFormat: `p${q * 100}${legendTail}`,
  }));
}

function statPanel({ title, description, unit, expr, decimals }) {
  return {
    type: 'stat',
    title,
    description,
    datasource: DATASOURCE,
    fieldConfig: {
      defaults: {
        unit,
        ...(decimals === undefined ? {} : { decimals }),
        color: { mode: 'thresholds' },
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
    },
    targets: [{ expr, legendFormat: '__auto', instant: false, range: true }],
    w: 6,
    h: 4,
  };
}

function timeseriesPanel({ title, description, unit, targets, stack = false, w = 12 }) {
  return {
    type: 'timeseries',
    title,
    description,
    datasource: DATASOURCE,
    fieldConfig: {
      defaults: {
        unit,
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: stack ? 30 : 10,
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets,
    w,
    h: 8,
  };
}

function row(title) {
  return { type: 'row', title, collapsed: false, panels: [], w: 24, h: 1 };
}

function panels(config) {
  const f = filters(config);
  const connEnds = (extra = []) =>
    selector(METRICS.connectionDurationCount, withExtra(config, extra));
  const handshakes = (extra = []) =>
    selector(METRICS.handshakeDurationCount, withExtra(config, extra));
  const failedShare = (countSel) =>
    `(sum(rate(${countSel(['error_type!=""'])}[${RATE}])) or vector(0)) / sum(rate(${countSel()}[${RATE}]))`;
  const perInstance = [...config.serviceLabels, ...config.instanceLabels].join(', ');
  const instanceLegend = config.instanceLabels.map((label) => `{{${label}}}`).join('');
  /** `sum [by (...)] (rate(metric[...]))` over the chosen services and instances. */
  const ratePerSecond = (metric, { by = [], legendFormat }) => ({
    expr: `sum${by.length > 0 ? ` by (${by.join(', ')}) ` : ''}(rate(${selector(metric, f)}[${RATE}]))`,
    legendFormat,
  });
  const byType = (metric, direction) => ({
    expr: `sum by (websocket_message_type) (rate(${selector(metric, f)}[${RATE}]))`,
    legendFormat: `${direction} {{websocket_message_type}}`,
  });

  return [
    statPanel({
      title: 'Open connections',
      description: 'WebSocket connections open now, over the selected services and instances.',
      unit: 'short',
      decimals: 0,
      expr: `sum(${selector(METRICS.activeConnections, f)})`,
    }),
    statPanel({
      title: 'Failed handshakes',
      description: 'Share of upgrade requests that were refused or failed.',
      unit: 'percentunit',
      expr: failedShare(handshakes),
    }),
    statPanel({
      title: 'Abnormal disconnects',
      description:
        'Share of connection ends without a close handshake or with an error (error.type set).',
      unit: 'percentunit',
      expr: failedShare(connEnds),
    }),
    statPanel({
      title: 'Errors',
      description: 'Protocol errors, socket errors and sends on closed sockets, per second.',
      unit: PER_SECOND,
      expr: `sum(rate(${selector(METRICS.errors, f)}[${RATE}])) or vector(0)`,
    }),

    row('Connections'),
    timeseriesPanel({
      title: 'Open connections by health',
      description:
        'healthy: the last ping was answered; degraded: pongs missed, under the limit; ' +
        'unresponsive: over the limit.',
      unit: 'short',
      stack: true,
      targets: [
        {
          expr: `sum by (websocket_connection_health) (${selector(METRICS.activeConnections, f)})`,
          legendFormat: '{{websocket_connection_health}}',
        },
      ],
    }),
    timeseriesPanel({
      title: 'Open connections by instance',
      description: 'How connections spread over instances (processes, cluster workers).',
      unit: 'short',
      targets: [
        {
          expr: `sum by (${perInstance}) (${selector(METRICS.activeConnections, f)})`,
          legendFormat: instanceLegend,
        },
      ],
    }),
    timeseriesPanel({
      title: 'Connection ends by close code',
      description:
        'Connections ending per second, by close code and by the side that started the close ' +
        '(none: neither did; 1006: no close frame).',
      unit: PER_SECOND,
      targets: [
        {
          expr: `sum by (websocket_close_code, websocket_close_initiator) (rate(${connEnds()}[${RATE}]))`,
          legendFormat: '{{websocket_close_code}} ({{websocket_close_initiator}})',
        },
      ],
    }),
    timeseriesPanel({
      title: 'Abnormal disconnects by error type',
      description:
        'Connection ends with error.type: connection_lost, terminated, heartbeat_timeout ' +
        '(ended by the heartbeat), an errno code (ECONNRESET) or a ws protocol error code.',
      unit: PER_SECOND,
      targets: [
        {
          expr: `sum by (error_type) (rate(${connEnds(['error_type!=""'])}[${RATE}]))`,
          legendFormat: '{{error_type}}',
        },
      ],
    }),
    timeseriesPanel({
      title: 'Connection duration',
      description: 'How long connections lived, measured when they end.',
      unit: 's',
      w: 24,
      targets: quantiles(config, METRICS.connectionDurationBucket),
    }),

    row('Heartbeat'),
    timeseriesPanel({
      title: 'Heartbeat round trip',
      description:
        'From a heartbeat ping to its pong: the network, the peer and both event loops. ' +
        'The instrumentation pings every OTEL_WS_HEARTBEAT_INTERVAL ms (heartbeat mode ' +
        'active, the default); in observe mode these are the pings the app sends.',
      unit: 's',
      targets: quantiles(config, METRICS.heartbeatRttBucket),
    }),
    timeseriesPanel({
      title: 'Heartbeat timeouts and terminations',
      description:
        'Pings whose pong did not come within OTEL_WS_HEARTBEAT_TIMEOUT, and connections the ' +
        'heartbeat ended as dead after too many misses (OTEL_WS_HEARTBEAT_TERMINATE=true), ' +
        'per second.',
      unit: PER_SECOND,
      targets: [
        ratePerSecond(METRICS.heartbeatTimeouts, { legendFormat: 'timeouts' }),
        ratePerSecond(METRICS.heartbeatTerminations, { legendFormat: 'terminations' }),
      ],
    }),

    row('Handshakes'),
    timeseriesPanel({
      title: 'Handshakes',
      description:
        'Upgrade requests per second: completed, and failed by error.type (HTTP status).',
      unit: PER_SECOND,
      targets: [
        {
          expr: `sum(rate(${handshakes(['error_type=""'])}[${RATE}]))`,
          legendFormat: 'completed',
        },
        {
          expr: `sum by (error_type) (rate(${handshakes(['error_type!=""'])}[${RATE}]))`,
          legendFormat: 'failed {{error_type}}',
        },
      ],
    }),
    timeseriesPanel({
      title: 'Handshake duration',
      description: 'From the upgrade request to the 101 response or the rejection.',
      unit: 's',
      targets: quantiles(config, METRICS.handshakeDurationBucket),
    }),

    row('Traffic'),
    timeseriesPanel({
      title: 'Messages',
      description: 'Whole WebSocket messages per second, by direction and frame type.',
      unit: PER_SECOND,
      targets: [byType(METRICS.receivedMessages, 'received'), byType(METRICS.sentMessages, 'sent')],
    }),
    timeseriesPanel({
      title: 'Payload bytes',
      description: 'Message payload bytes per second, by direction and frame type.',
      unit: 'Bps',
      targets: [byType(METRICS.receivedBytes, 'received'), byType(METRICS.sentBytes, 'sent')],
    }),
    timeseriesPanel({
      title: 'Message size (opt-in)',
      description:
        'Payload size per message. Needs OTEL_WS_MESSAGE_SIZE_HISTOGRAM=true ' +
        '(messageSizeHistogram: true); empty otherwise.',
      unit: 'bytes',
      w: 24,
      targets: quantiles(config, METRICS.messageSizeBucket, {
        by: ['websocket_message_direction'],
      }),
    }),

    row('Broadcasts and backpressure'),
    timeseriesPanel({
      title: 'Broadcasts',
      description:
        'Fan-outs of one payload to many sockets per second, by outcome: success, partial ' +
        '(some sockets were not open), failure (none was). A loop over wss.clients counts, ' +
        'as does broadcast().',
      unit: PER_SECOND,
      w: 8,
      targets: [
        ratePerSecond(METRICS.broadcastRecipientsCount, {
          by: ['websocket_broadcast_outcome'],
          legendFormat: '{{websocket_broadcast_outcome}}',
        }),
      ],
    }),
    timeseriesPanel({
      title: 'Broadcast recipients',
      description: 'Sockets one broadcast was handed to.',
      unit: 'short',
      w: 8,
      targets: quantiles(config, METRICS.broadcastRecipientsBucket, { levels: [0.5, 0.95] }),
    }),
    timeseriesPanel({
      title: 'Broadcast duration',
      description:
        'One fan-out, from its first send to its last: the time the loop holds the event ' +
        'loop. ws writes the frames afterwards.',
      unit: 's',
      w: 8,
      targets: quantiles(config, METRICS.broadcastDurationBucket, { levels: [0.95] }),
    }),
    timeseriesPanel({
      title: 'Send queue',
      description:
        'Bytes queued for sending (bufferedAmount) over the live connections of each ' +
        'instance, read at collection: what peers or the network do not take fast enough.',
      unit: 'bytes',
      stack: true,
      targets: [
        {
          expr: `sum by (${perInstance}) (${selector(METRICS.sendQueueSize, f)})`,
          legendFormat: instanceLegend,
        },
      ],
    }),
    timeseriesPanel({
      title: 'Backpressured connections',
      description:
        'Connections with at least OTEL_WS_BACKPRESSURE_THRESHOLD bytes queued ' +
        '(default 1 MiB), per instance.',
      unit: 'short',
      stack: true,
      targets: [
        {
          expr: `sum by (${perInstance}) (${selector(METRICS.backpressuredConnections, f)})`,
          legendFormat: instanceLegend,
        },
      ],
    }),

    row('Errors'),
    timeseriesPanel({
      title: 'Errors by type',
      description:
        'WS_ERR_* protocol errors, errno codes of socket errors, and send_not_open for sends ' +
        'on a closed socket, per second.',
      unit: PER_SECOND,
      w: 24,
      targets: [
        {
          expr: `sum by (error_type) (rate(${selector(METRICS.errors, f)}[${RATE}]))`,
          legendFormat: '{{error_type}}',
        },
      ],
    }),

    row('Process'),
    timeseriesPanel({
      title: 'CPU',
      description:
        'CPU time the process used per second (user and system; 1 = one core), per instance. ' +
        'From the runtime metrics that zero-code register exports unless ' +
        'OTEL_WS_RUNTIME_METRICS=false, or that your SDK exports (auto-instrumentations do).',
      unit: 'percentunit',
      w: 6,
      targets: [
        {
          expr: `sum by (${perInstance}) (rate(${selector(METRICS.processCpuTime, f)}[${RATE}]))`,
          legendFormat: instanceLegend,
        },
      ],
    }),
    timeseriesPanel({
      title: 'Memory',
      description: 'Resident memory of the process, per instance.',
      unit: 'bytes',
      w: 6,
      targets: [
        {
          expr: `sum by (${perInstance}) (${selector(METRICS.processMemoryUsage, f)})`,
          legendFormat: instanceLegend,
        },
      ],
    }),
    timeseriesPanel({
      title: 'Event-loop delay p99',
      description:
        'How late timers ran, p99 over the last sampling window, per instance: the wait a ' +
        'message adds before its handler runs when the loop is busy.',
      unit: 's',
      w: 6,
      targets: [
        {
          expr: `max by (${perInstance}) (${selector(METRICS.eventLoopDelayP99, f)})`,
          legendFormat: instanceLegend,
        },
      ],
    }),
    timeseriesPanel({
      title: 'Garbage collection',
      description: 'Share of time spent in garbage collection pauses, by GC type.',
      unit: 'percentunit',
      w: 6,
      targets: [
        {
          expr: `sum by (v8js_gc_type) (rate(${selector(METRICS.gcDurationSum, f)}[${RATE}]))`,
          legendFormat: '{{v8js_gc_type}}',
        },
      ],
    }),

    row('Client reports (opt-in)'),
    timeseriesPanel({
      title: 'Reported round trip',
      description:
        'Round trips that browsers measured with @ws-otel/client-reporter and reported: ' +
        'the wait users see, their main thread included. Needs OTEL_WS_CLIENT_REPORTS=true; ' +
        'empty otherwise.',
      unit: 's',
      w: 8,
      targets: quantiles(config, METRICS.reportedRttBucket, { levels: [0.95] }),
    }),
    timeseriesPanel({
      title: 'Client reports',
      description:
        'Reports per second: accepted, or rejected (malformed, out of bounds, or more than ' +
        'one a second from one connection).',
      unit: PER_SECOND,
      w: 8,
      targets: [
        ratePerSecond(METRICS.reports, {
          by: ['websocket_report_outcome'],
          legendFormat: '{{websocket_report_outcome}}',
        }),
      ],
    }),
    timeseriesPanel({
      title: 'Reported reconnects and errors',
      description: 'Reconnects, and errors by type, that clients reported, per second.',
      unit: PER_SECOND,
      w: 8,
      targets: [
        ratePerSecond(METRICS.reportedReconnects, { legendFormat: 'reconnects' }),
        ratePerSecond(METRICS.reportedErrors, {
          by: ['error_type'],
          legendFormat: 'errors {{error_type}}',
        }),
      ],
    }),
  ];
}

/** Lays panels out left to right, wrapping at 24 columns; a row starts a new line. */
function layout(list) {
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  return list.map((panel, index) => {
    const { w, h, ...rest } = panel;
    if (panel.type === 'row' || x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    const placed = { id: index + 1, gridPos: { h, w, x, y }, ...rest };
    if (panel.type === 'row') {
      y += h;
      return placed;
    }
    placed.targets = panel.targets.map((target, i) => ({
      datasource: DATASOURCE,
      refId: String.fromCharCode(65 + i),
      editorMode: 'code',
      range: true,
      ...target,
    }));
    x += w;
    lineHeight = Math.max(lineHeight, h);
    return placed;
  });
}

/**
 * A Grafana variable whose values come from either of two labels: Grafana's
 * `query_result()` prints each series as `{job="chat"} 3 1700000000000`, and the
 * regex keeps the first capture.
 */
function labelVariable({ name, label, labels, query }) {
  return {
    type: 'query',
    name,
    label,
    datasource: DATASOURCE,
    query,
    definition: query,
    regex: `/(?:${labels.join('|')})="([^"]+)"/`,
    refresh: 2,
    sort: 1,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    hide: 0,
  };
}

/** The dashboard as Grafana's JSON model, ready to import. */
export function dashboard(overrides) {
  const config = resolveConfig(overrides);
  const serviceOnly = config.serviceLabels.map((label) => `${label}=~"(\${service})?"`);
  return {
    uid: 'ws-otel-websocket-server',
    title: 'WebSocket server (ws-otel)',
    description:
      'Connections, heartbeat, handshakes, traffic, broadcasts, backpressure, errors and ' +
      'client reports of WebSocket servers instrumented by @ws-otel/instrumentation-ws, ' +
      'from Prometheus scrapes or OTLP ingestion.',
    tags: ['websocket', 'ws-otel', 'opentelemetry'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: '',
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: {
      list: [
        {
          type: 'datasource',
          name: 'datasource',
          label: 'Data source',
          query: 'prometheus',
          regex: '',
          refresh: 1,
          hide: 0,
          includeAll: false,
          multi: false,
          current: {},
          options: [],
        },
        labelVariable({
          name: 'service',
          label: 'Service',
          labels: config.serviceLabels,
          query: `query_result(count by (${config.serviceLabels.join(', ')}) (${METRICS.activeConnections}))`,
        }),
        labelVariable({
          name: 'instance',
          label: 'Instance',
          labels: config.instanceLabels,
          query: `query_result(count by (${config.instanceLabels.join(', ')}) (${selector(
            METRICS.activeConnections,
            serviceOnly,
          )}))`,
        }),
      ],
    },
    panels: layout(panels(config)),
  };
}
