import { diag } from '@opentelemetry/api';
import type { WsInstrumentationConfig } from './types.js';

/** The options with every default filled in and every value checked. */
export interface ResolvedConfig {
  messageSizeHistogram: boolean;
  maxRoutes: number;
  routeFor: WsInstrumentationConfig['routeFor'];
  backpressureThreshold: number;
  broadcastDetection: boolean;
}

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
  return {
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
  };
}
