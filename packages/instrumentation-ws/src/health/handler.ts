import type { IncomingMessage, ServerResponse } from 'node:http';
import { active } from '../active.js';
import {
  DIRECTION_RECEIVED,
  DIRECTION_SENT,
  TYPE_BINARY,
  TYPE_TEXT,
  trafficIndex,
} from '../connections/traffic.js';
import { SIDE_CLIENT, SIDE_SERVER } from '../internal-types.js';
import { HealthSampler } from './sampler.js';

/** A check's two limits: at or over `degraded` it degrades, at or over `unhealthy` it fails. */
export interface HealthLimit {
  degraded: number;
  unhealthy: number;
}

export interface HealthHandlerOptions {
  /** Prefix of the four paths, e.g. `/health` serves `/health/livez`. Default none. */
  basePath?: string;
  /** The recent window for rates, round-trip percentiles and loop delay. Default 60000. */
  windowMs?: number;
  /** Share (0..1) of live server connections that are unresponsive. Default 0.05 / 0.25. */
  unresponsiveShare?: HealthLimit;
  /** Heartbeat round trip p95 over the window, in seconds. Default 0.5 / 2. */
  rttP95Seconds?: HealthLimit;
  /** Event loop delay p99 over the window, in milliseconds. Default 100 / 500. */
  eventLoopDelayMs?: HealthLimit;
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** A Node request handler; returns false (or calls `next`) for paths that are not its own. */
export type HealthHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: () => void,
) => boolean;

const STATUS_ORDER: HealthStatus[] = ['healthy', 'degraded', 'unhealthy'];
const sampler = new HealthSampler(() => active.current?.traffic);

function typeOf(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function checkedLimit(
  name: string,
  limit: HealthLimit | undefined,
  degraded: number,
  unhealthy: number,
): HealthLimit {
  if (limit === undefined) return { degraded, unhealthy };
  const ok =
    limit !== null &&
    typeof limit === 'object' &&
    Number.isFinite(limit.degraded) &&
    Number.isFinite(limit.unhealthy);
  if (!ok) {
    throw new TypeError(
      `createHealthHandler(): ${name} must be { degraded: number, unhealthy: number }`,
    );
  }
  return { degraded: limit.degraded, unhealthy: limit.unhealthy };
}

function judge(value: number | null, limit: HealthLimit): HealthStatus {
  if (value === null) return 'healthy';
  if (value >= limit.unhealthy) return 'unhealthy';
  return value >= limit.degraded ? 'degraded' : 'healthy';
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * `/livez` (the event loop turns), `/readyz` (503 while draining or while
 * the instrumentation is disabled), `/healthz` (a status from thresholds) and
 * `/stats` (a JSON summary), for orchestrators and humans. Mount it on the
 * app's own HTTP server or serve it on a port of its own. Nothing in any
 * response identifies a client.
 */
export function createHealthHandler(options: HealthHandlerOptions = {}): HealthHandler {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createHealthHandler(): options must be an object, got ${typeOf(options)}`);
  }
  const basePath = options.basePath ?? '';
  if (typeof basePath !== 'string') {
    throw new TypeError(
      `createHealthHandler(): basePath must be a string, got ${typeOf(basePath)}`,
    );
  }
  const base = basePath.replace(/\/+$/, '');
  const windowMs = options.windowMs ?? 60000;
  if (typeof windowMs !== 'number' || !(windowMs > 0 && windowMs < Infinity)) {
    throw new TypeError(
      `createHealthHandler(): windowMs must be a positive number, got ${String(windowMs)}`,
    );
  }
  const limits = {
    unresponsiveShare: checkedLimit('unresponsiveShare', options.unresponsiveShare, 0.05, 0.25),
    rttP95Seconds: checkedLimit('rttP95Seconds', options.rttP95Seconds, 0.5, 2),
    eventLoopDelayMs: checkedLimit('eventLoopDelayMs', options.eventLoopDelayMs, 100, 500),
  };
  sampler.start();

  function stats() {
    const state = active.current;
    const now = performance.now();
    const byHealth = [
      [0, 0, 0],
      [0, 0, 0],
    ];
    const byRoute: Record<string, number> = {};
    for (const record of state?.registry.records ?? []) {
      byHealth[record.side]![record.health]!++;
      if (record.side === SIDE_SERVER && record.route !== undefined) {
        byRoute[record.route] = (byRoute[record.route] ?? 0) + 1;
      }
    }
    const window = sampler.summary(windowMs);
    const rtt = state?.heartbeat.rtt.percentiles([0.5, 0.95, 0.99], windowMs, now);
    const side = (index: number) => {
      const rate = (rates: number[], direction: number) =>
        rates[trafficIndex(index as 0 | 1, direction, TYPE_TEXT)]! +
        rates[trafficIndex(index as 0 | 1, direction, TYPE_BINARY)]!;
      const counts = byHealth[index]!;
      return {
        connections: {
          total: counts[0]! + counts[1]! + counts[2]!,
          healthy: counts[0]!,
          degraded: counts[1]!,
          unresponsive: counts[2]!,
        },
        messagesSentPerSecond: rate(window.messageRates, DIRECTION_SENT),
        messagesReceivedPerSecond: rate(window.messageRates, DIRECTION_RECEIVED),
        bytesSentPerSecond: rate(window.byteRates, DIRECTION_SENT),
        bytesReceivedPerSecond: rate(window.byteRates, DIRECTION_RECEIVED),
        heartbeatTimeouts: state?.heartbeat.timeouts[index] ?? 0,
        heartbeatTerminations: state?.heartbeat.terminations[index] ?? 0,
      };
    };
    return {
      instrumentation: state === undefined ? 'disabled' : 'enabled',
      draining: state?.draining ?? false,
      windowSeconds: Math.round(window.seconds * 1000) / 1000,
      server: { ...side(SIDE_SERVER), routes: byRoute },
      client: side(SIDE_CLIENT),
      heartbeat: {
        mode: state?.config.heartbeat.mode ?? 'off',
        rttSeconds: rtt ? { p50: rtt[0], p95: rtt[1], p99: rtt[2] } : null,
      },
      eventLoop: { delayP99Ms: window.loopDelayP99Ms, delayMaxMs: window.loopDelayMaxMs },
    };
  }

  function health() {
    const summary = stats();
    const server = summary.server.connections;
    const share = server.total > 0 ? server.unresponsive / server.total : null;
    const checks = {
      unresponsiveShare: { value: share, status: judge(share, limits.unresponsiveShare) },
      heartbeatRttP95Seconds: {
        value: summary.heartbeat.rttSeconds?.p95 ?? null,
        status: judge(summary.heartbeat.rttSeconds?.p95 ?? null, limits.rttP95Seconds),
      },
      eventLoopDelayP99Ms: {
        value: summary.eventLoop.delayP99Ms,
        status: judge(summary.eventLoop.delayP99Ms, limits.eventLoopDelayMs),
      },
    };
    const worst = Math.max(...Object.values(checks).map((c) => STATUS_ORDER.indexOf(c.status)));
    return { status: STATUS_ORDER[worst]!, checks };
  }

  return function healthHandler(req, res, next) {
    const path = (req.url ?? '').split('?')[0];
    switch (path) {
      case `${base}/livez`:
        sendText(res, 200, 'ok\n');
        return true;
      case `${base}/readyz`: {
        const state = active.current;
        const reason =
          state === undefined ? 'instrumentation disabled' : state.draining ? 'draining' : '';
        sendText(res, reason ? 503 : 200, reason ? `not ready: ${reason}\n` : 'ready\n');
        return true;
      }
      case `${base}/healthz`: {
        const result = health();
        sendJson(res, result.status === 'unhealthy' ? 503 : 200, result);
        return true;
      }
      case `${base}/stats`:
        sendJson(res, 200, stats());
        return true;
      default:
        if (next) next();
        return false;
    }
  };
}
