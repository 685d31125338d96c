import { diag } from '@opentelemetry/api';
import type { HeartbeatConfig, WsInstrumentationConfig } from './types.js';

/** The options with every default filled in and every value checked. */
export interface ResolvedConfig {
  messageSizeHistogram: boolean;
  maxRoutes: number;
  routeFor: WsInstrumentationConfig['routeFor'];
  backpressureThreshold: number;
  broadcastDetection: boolean;
  heartbeat: Required<HeartbeatConfig>;
  clientReports: { enabled: boolean; passThrough: boolean };
}

export const DEFAULT_HEARTBEAT: Required<HeartbeatConfig> = {
  mode: 'active',
  intervalMs: 30000,
  timeoutMs: 10000,
  maxMissed: 2,
  terminate: false,
  clients: false,
};
export const HEARTBEAT_MODES = ['active', 'observe', 'off'];

export const DEFAULT_MAX_ROUTES = 50;
export const DEFAULT_BACKPRESSURE_THRESHOLD = 1048576;

function checkedInteger(name: string, value: unknown, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (Number.isSafeInteger(value) && (value as number) >= minimum) return value as number;
  diag.warn(
    `@ws-otel/instrumentation-ws: ${name} must be an integer >= ${minimum}, got ${String(value)}; using ${fallback}`,
  );
  return fallback;
}

/** Fills defaults and replaces invalid values, saying so once through the diag logger. */
export function resolveConfig(config: WsInstrumentationConfig): ResolvedConfig {
  const maxRoutes = checkedInteger('maxRoutes', config.maxRoutes, DEFAULT_MAX_ROUTES, 0);
  const backpressureThreshold = checkedInteger(
    'backpressureThreshold',
    config.backpressureThreshold,
    DEFAULT_BACKPRESSURE_THRESHOLD,
    1,
  );
  let routeFor = config.routeFor;
  if (routeFor !== undefined && typeof routeFor !== 'function') {
    diag.warn('@ws-otel/instrumentation-ws: routeFor must be a function; ignoring it');
    routeFor = undefined;
  }
  const heartbeat = config.heartbeat ?? {};
  let mode = heartbeat.mode ?? DEFAULT_HEARTBEAT.mode;
  if (!HEARTBEAT_MODES.includes(mode)) {
    diag.warn(
      `@ws-otel/instrumentation-ws: heartbeat.mode must be one of ${HEARTBEAT_MODES.join(', ')}, got ${String(mode)}; using ${DEFAULT_HEARTBEAT.mode}`,
    );
    mode = DEFAULT_HEARTBEAT.mode;
  }
  return {
    heartbeat: {
      mode,
      intervalMs: checkedInteger(
        'heartbeat.intervalMs',
        heartbeat.intervalMs,
        DEFAULT_HEARTBEAT.intervalMs,
        10,
      ),
      timeoutMs: checkedInteger(
        'heartbeat.timeoutMs',
        heartbeat.timeoutMs,
        DEFAULT_HEARTBEAT.timeoutMs,
        10,
      ),
      maxMissed: checkedInteger(
        'heartbeat.maxMissed',
        heartbeat.maxMissed,
        DEFAULT_HEARTBEAT.maxMissed,
        0,
      ),
      terminate: heartbeat.terminate === true,
      clients: heartbeat.clients === true,
    },
    clientReports: {
      enabled: config.clientReports?.enabled === true,
      passThrough: config.clientReports?.passThrough === true,
    },
    messageSizeHistogram: config.messageSizeHistogram === true,
    maxRoutes,
    routeFor,
    backpressureThreshold,
    broadcastDetection: config.broadcastDetection !== false,
  };
}
