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
const HEARTBEAT_MODES = ['active', 'observe', 'off'];

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

type Env = Record<string, string | undefined>;

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1' || raw === 'on' || raw === 'yes') return true;
  if (raw === 'false' || raw === '0' || raw === 'off' || raw === 'no') return false;
  diag.warn(`@ws-otel/instrumentation-ws: ${name}=${raw} is not a boolean; using ${fallback}`);
  return fallback;
}

function readChoice<T extends string>(env: Env, name: string, choices: string[], fallback: T): T {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (choices.includes(raw)) return raw as T;
  diag.warn(
    `@ws-otel/instrumentation-ws: ${name}=${raw} is not one of ${choices.join(', ')}; using ${fallback}`,
  );
  return fallback;
}

function readInteger(env: Env, name: string, fallback: number, minimum: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (Number.isSafeInteger(value) && value >= minimum) return value;
  diag.warn(
    `@ws-otel/instrumentation-ws: ${name}=${raw} is not an integer >= ${minimum}; using ${fallback}`,
  );
  return fallback;
}

/** The instrumentation options that `OTEL_WS_*` variables set, for zero-code use. */
export function configFromEnv(env: Env = process.env): WsInstrumentationConfig {
  return {
    messageSizeHistogram: readBoolean(env, 'OTEL_WS_MESSAGE_SIZE_HISTOGRAM', false),
    maxRoutes: readInteger(env, 'OTEL_WS_MAX_ROUTES', DEFAULT_MAX_ROUTES, 0),
    backpressureThreshold: readInteger(
      env,
      'OTEL_WS_BACKPRESSURE_THRESHOLD',
      DEFAULT_BACKPRESSURE_THRESHOLD,
      1,
    ),
    broadcastDetection: readBoolean(env, 'OTEL_WS_BROADCAST_DETECTION', true),
    clientReports: { enabled: readBoolean(env, 'OTEL_WS_CLIENT_REPORTS', false) },
    heartbeat: {
      mode: readChoice(env, 'OTEL_WS_HEARTBEAT', HEARTBEAT_MODES, DEFAULT_HEARTBEAT.mode),
      intervalMs: readInteger(env, 'OTEL_WS_HEARTBEAT_INTERVAL', DEFAULT_HEARTBEAT.intervalMs, 10),
      timeoutMs: readInteger(env, 'OTEL_WS_HEARTBEAT_TIMEOUT', DEFAULT_HEARTBEAT.timeoutMs, 10),
      maxMissed: readInteger(env, 'OTEL_WS_HEARTBEAT_MAX_MISSED', DEFAULT_HEARTBEAT.maxMissed, 0),
      terminate: readBoolean(env, 'OTEL_WS_HEARTBEAT_TERMINATE', DEFAULT_HEARTBEAT.terminate),
      clients: readBoolean(env, 'OTEL_WS_CLIENT_HEARTBEAT', DEFAULT_HEARTBEAT.clients),
    },
  };
}
