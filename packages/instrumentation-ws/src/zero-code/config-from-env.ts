import { diag } from '@opentelemetry/api';
import {
  DEFAULT_BACKPRESSURE_THRESHOLD,
  DEFAULT_HEARTBEAT,
  DEFAULT_MAX_ROUTES,
  HEARTBEAT_MODES,
} from '../config.js';
import type { WsInstrumentationConfig } from '../types.js';
import { strictInteger } from './env-integer.js';

type Env = Record<string, string | undefined>;

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
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
  const value = strictInteger(raw);
  if (value !== undefined && value >= minimum) return value;
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
