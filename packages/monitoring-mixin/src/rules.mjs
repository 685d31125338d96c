/**
 * Prometheus alerting rules for WebSocket servers instrumented by
 * @ws-otel/instrumentation-ws. Every expression works on both naming paths
 * (see metrics.mjs) and on both label schemes (scrape: `job`/`instance`;
 * OTLP: `service_name`/`service_instance_id`): aggregating `by` a label a
 * series lacks is harmless, so each alert carries whichever the series have.
 */
import { resolveConfig } from './config.mjs';
import { METRICS, selector } from './metrics.mjs';

const SERVICE = '{{ $labels.job }}{{ $labels.service_name }}';
const INSTANCE = '{{ $labels.instance }}{{ $labels.service_instance_id }}';

/** Prints a number without float noise (0.1 * 3 -> 0.3). */
function num(value) {
  return String(Number(value.toPrecision(12)));
}

function sumBy(labels, inner) {
  return `sum by (${labels.join(', ')}) (${inner})`;
}

function rate(config, sel) {
  return `rate(${sel}[${config.rateWindow}])`;
}

function ratioAlert(config, { countMetric, ratio, perSecond }) {
  const svc = config.serviceLabels;
  const failed = sumBy(svc, rate(config, selector(countMetric, ['error_type!=""'])));
  const all = sumBy(svc, rate(config, selector(countMetric)));
  return [
    '(',
    `  ${failed}`,
    '/',
    `  ${all}`,
    `) > ${num(ratio)}`,
    'and',
    `${failed} > ${num(perSecond)}`,
  ].join('\n');
}

function alert(config, { name, expr, forDuration, summary, description }) {
  return {
    alert: name,
    expr,
    for: forDuration,
    labels: { severity: config.severity },
    annotations: { summary, description },
  };
}

/**
 * Every alerting rule, in one group: abnormal disconnects, handshake failures,
 * errors, no connections, capacity, and the heartbeat's round trip and timeouts.
 */
export function alertRuleGroups(overrides) {
  const config = resolveConfig(overrides);
  const t = config.thresholds;
  const svc = config.serviceLabels;
  const perInstance = [...svc, ...config.instanceLabels];
  const timeouts = sumBy(svc, rate(config, selector(METRICS.heartbeatTimeouts)));
  const answered = sumBy(svc, rate(config, selector(METRICS.heartbeatRttCount)));
  return {
    groups: [
      {
        name: 'websocket-server',
        rules: [
          alert(config, {
            name: 'WebSocketAbnormalDisconnects',
            expr: ratioAlert(config, {
              countMetric: METRICS.connectionDurationCount,
              ratio: t.abnormalDisconnectRatio,
              perSecond: t.abnormalDisconnectsPerSecond,
            }),
            forDuration: config.for.abnormalDisconnects,
            summary: `${SERVICE}: {{ $value | humanizePercentage }} of WebSocket connections end abnormally`,
            description:
              'Connections that end without a close handshake or with an error (error.type set: ' +
              'connection_lost, terminated, heartbeat_timeout, an errno code or a ws protocol ' +
              'error), as a share of ' +
              `all connection ends over ${config.rateWindow}, is over ${num(t.abnormalDisconnectRatio * 100)}%.`,
          }),
          alert(config, {
            name: 'WebSocketHandshakeFailures',
            expr: ratioAlert(config, {
              countMetric: METRICS.handshakeDurationCount,
              ratio: t.handshakeFailureRatio,
              perSecond: t.handshakeFailuresPerSecond,
            }),
            forDuration: config.for.handshakeFailures,
            summary: `${SERVICE}: {{ $value | humanizePercentage }} of WebSocket handshakes fail`,
            description:
              'Upgrade requests refused or failed (error.type is the HTTP status sent), as a share ' +
              `of all upgrade requests over ${config.rateWindow}, is over ${num(t.handshakeFailureRatio * 100)}%.`,
          }),
          alert(config, {
            name: 'WebSocketErrorRate',
            expr: `${sumBy(svc, rate(config, selector(METRICS.errors)))} > ${num(t.errorsPerSecond)}`,
            forDuration: config.for.errors,
            summary: `${SERVICE}: {{ $value | humanize }} WebSocket errors per second`,
            description:
              'Protocol errors, socket errors and sends on closed sockets, summed over every ' +
              `instance, are above ${num(t.errorsPerSecond)} per second. The dashboard panel ` +
              'Errors by type shows which.',
          }),
          alert(config, {
            name: 'WebSocketNoConnections',
            expr: `${sumBy(svc, selector(METRICS.activeConnections))} == 0`,
            forDuration: config.for.noConnections,
            summary: `${SERVICE}: no open WebSocket connections`,
            description:
              'The service reports metrics but holds no WebSocket connection at all. Clients ' +
              'may be unable to reach it (load balancer, DNS, TLS, a refused upgrade).',
          }),
          alert(config, {
            name: 'WebSocketConnectionsNearCapacity',
            expr: `${sumBy(perInstance, selector(METRICS.activeConnections))} > ${num(
              t.capacityPerInstance * t.capacityWarningRatio,
            )}`,
            forDuration: config.for.nearCapacity,
            summary: `${SERVICE} ${INSTANCE}: {{ $value | humanize }} open WebSocket connections`,
            description:
              `One instance holds over ${num(t.capacityWarningRatio * 100)}% of the ` +
              `${num(t.capacityPerInstance)} connections it is sized for. Add instances or raise ` +
              'the capacity threshold if the instance was sized up.',
          }),
          alert(config, {
            name: 'WebSocketHighHeartbeatRtt',
            expr: [
              'histogram_quantile(',
              '  0.95,',
              `  ${sumBy([...svc, 'le'], rate(config, selector(METRICS.heartbeatRttBucket)))}`,
              `) > ${num(t.heartbeatRttP95Seconds)}`,
            ].join('\n'),
            forDuration: config.for.heartbeatRtt,
            summary: `${SERVICE}: WebSocket heartbeat p95 round trip is {{ $value | humanizeDuration }}`,
            description:
              'The time from a heartbeat ping to its pong, 95th percentile over ' +
              `${config.rateWindow}, is over ${num(t.heartbeatRttP95Seconds)} s: clients or the ` +
              'network are slow, or the server event loop is busy.',
          }),
          alert(config, {
            name: 'WebSocketHeartbeatTimeouts',
            // Timeouts over all pings (answered plus timed out). When no ping was
            // answered at all the answered side is missing, so it falls back to 0.
            expr: [
              '(',
              `  ${timeouts}`,
              '/',
              '  (',
              `    ${timeouts}`,
              '    +',
              `    (${answered} or ${timeouts} * 0)`,
              '  )',
              `) > ${num(t.heartbeatTimeoutRatio)}`,
            ].join('\n'),
            forDuration: config.for.heartbeatTimeouts,
            summary: `${SERVICE}: {{ $value | humanizePercentage }} of WebSocket heartbeats time out`,
            description:
              'Heartbeat pings whose pong did not arrive within the timeout, as a share of all ' +
              `pings over ${config.rateWindow}, are over ${num(t.heartbeatTimeoutRatio * 100)}%: ` +
              'peers are gone without closing, or the path to them drops traffic.',
          }),
        ],
      },
    ],
  };
}
