import { diag } from '@opentelemetry/api';
import type { WsInstrumentationConfig } from './types.js';

/** The options with every default filled in and every value checked. */
export interface ResolvedConfig {
  messageSizeHistogram: boolean;
  maxRoutes: number;
  routeFor: WsInstrumentationConfig['routeFor'];
}

export const DEFAULT_MAX_ROUTES = 50;

/** Fills defaults and replaces invalid values, saying so once through the diag logger. */
export function resolveConfig(config: WsInstrumentationConfig): ResolvedConfig {
  let maxRoutes = DEFAULT_MAX_ROUTES;
  if (config.maxRoutes !== undefined) {
    if (Number.isInteger(config.maxRoutes) && config.maxRoutes >= 0) {
      maxRoutes = config.maxRoutes;
    } else {
      diag.warn(
        `@ws-otel/instrumentation-ws: maxRoutes must be a non-negative integer, got ${String(config.maxRoutes)}; using ${DEFAULT_MAX_ROUTES}`,
      );
    }
  }
  let routeFor = config.routeFor;
  if (routeFor !== undefined && typeof routeFor !== 'function') {
    diag.warn('@ws-otel/instrumentation-ws: routeFor must be a function; ignoring it');
    routeFor = undefined;
  }
  return { messageSizeHistogram: config.messageSizeHistogram === true, maxRoutes, routeFor };
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

function readNonNegativeInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (Number.isSafeInteger(value) && value >= 0) return value;
  diag.warn(
    `@ws-otel/instrumentation-ws: ${name}=${raw} is not a non-negative integer; using ${fallback}`,
  );
  return fallback;
}

/** The instrumentation options that `OTEL_WS_*` variables set, for zero-code use. */
export function configFromEnv(env: Env = process.env): WsInstrumentationConfig {
  return {
    messageSizeHistogram: readBoolean(env, 'OTEL_WS_MESSAGE_SIZE_HISTOGRAM', false),
    maxRoutes: readNonNegativeInteger(env, 'OTEL_WS_MAX_ROUTES', DEFAULT_MAX_ROUTES),
  };
}
