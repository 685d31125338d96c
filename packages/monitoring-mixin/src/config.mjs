/**
 * The defaults every generated file is built from. Each threshold is documented
 * in the README; override any of them with `scripts/generate.mjs --config FILE`
 * or by passing a partial config to the functions in `index.mjs`.
 */
export const defaultConfig = Object.freeze({
  /**
   * Labels that name a service: `job` on the scrape path (the scrape job),
   * `service_name` on OTLP ingestion (the resource's `service.name`).
   */
  serviceLabels: ['job', 'service_name'],
  /**
   * Labels that name one process: `instance` on the scrape path (the target),
   * `service_instance_id` on OTLP ingestion (the resource's `service.instance.id`).
   */
  instanceLabels: ['instance', 'service_instance_id'],
  /** Window of every rate() in the alert rules. */
  rateWindow: '5m',
  /** Labels every alert carries. */
  severity: 'warning',
  thresholds: {
    /** Share of connection ends that are abnormal (no close frame, or an error). */
    abnormalDisconnectRatio: 0.1,
    /** ...and at least this many abnormal ends per second, so a handful never pages. */
    abnormalDisconnectsPerSecond: 0.05,
    /** Share of upgrade requests refused or failed. */
    handshakeFailureRatio: 0.1,
    /** ...and at least this many failed handshakes per second. */
    handshakeFailuresPerSecond: 0.05,
    /** Protocol errors, socket errors and failed sends per second, per service. */
    errorsPerSecond: 1,
    /** Connections one instance is sized for. */
    capacityPerInstance: 10000,
    /** Warn when an instance holds this share of its capacity. */
    capacityWarningRatio: 0.8,
    /** 95th percentile of the heartbeat round trip, in seconds. */
    heartbeatRttP95Seconds: 0.5,
    /** Share of heartbeat pings whose pong did not come in time. */
    heartbeatTimeoutRatio: 0.05,
  },
  /** How long each condition must hold before the alert fires. */
  for: {
    abnormalDisconnects: '10m',
    handshakeFailures: '10m',
    errors: '10m',
    noConnections: '15m',
    nearCapacity: '5m',
    heartbeatRtt: '10m',
    heartbeatTimeouts: '10m',
  },
});

/** The defaults with `overrides` laid over them (one level deep for the nested maps). */
export function resolveConfig(overrides = {}) {
  return {
    ...defaultConfig,
    ...overrides,
    thresholds: { ...defaultConfig.thresholds, ...overrides.thresholds },
    for: { ...defaultConfig.for, ...overrides.for },
  };
}
