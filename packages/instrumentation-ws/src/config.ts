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

function checkedBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  diag.warn(
    `@ws-otel/instrumentation-ws: ${name} must be true or false, got ${String(value)}; using ${fallback}`,
  );
  return fallback;
}

function checkedObject<T extends object>(name: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (value !== null && typeof value === 'object') return value as Partial<T>;
  diag.warn(
    `@ws-otel/instrumentation-ws: ${name} must be an object, got ${String(value)}; ignoring it`,
  );
  return {};
}

/** Fills defaults and replaces invalid values, saying so once through the diag logger. */
export function resolveConfig(given: WsInstrumentationConfig): ResolvedConfig {
  const config = checkedObject<WsInstrumentationConfig>('the configuration', given);
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
  const heartbeat = checkedObject<HeartbeatConfig>('heartbeat', config.heartbeat);
  const clientReports = checkedObject<NonNullable<WsInstrumentationConfig['clientReports']>>(
    'clientReports',
    config.clientReports,
  );
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
      terminate: checkedBoolean('heartbeat.terminate', heartbeat.terminate, false),
      clients: checkedBoolean('heartbeat.clients', heartbeat.clients, false),
    },
    clientReports: {
      enabled: checkedBoolean('clientReports.enabled', clientReports.enabled, false),
      passThrough: checkedBoolean('clientReports.passThrough', clientReports.passThrough, false),
    },
    messageSizeHistogram: checkedBoolean(
      'messageSizeHistogram',
      config.messageSizeHistogram,
      false,
    ),
    maxRoutes,
    routeFor,
    backpressureThreshold,
    broadcastDetection: checkedBoolean('broadcastDetection', config.broadcastDetection, true),
  };
}
