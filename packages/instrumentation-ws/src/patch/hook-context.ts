import type { FanOutDetector } from '../broadcast/fan-out.js';
import type { ResolvedConfig } from '../config.js';
import type { ConnectionRegistry } from '../connections/registry.js';
import type { RouteCap } from '../connections/routes.js';
import type { TrafficCounters } from '../connections/traffic.js';
import type { HeartbeatScheduler } from '../heartbeat/scheduler.js';
import type { WsMetrics } from '../metrics/instruments.js';

/**
 * What the hooks share with the rest of the instrumentation. It sits between
 * the patch points and the parts it names; none of those parts imports it,
 * so the hooks see everything and nothing sees the hooks.
 * `metrics` changes on `setMeterProvider()`.
 */
export interface HookContext {
  readonly registry: ConnectionRegistry;
  readonly traffic: TrafficCounters;
  readonly routes: RouteCap;
  readonly metrics: WsMetrics;
  readonly config: ResolvedConfig;
  readonly fanOut: FanOutDetector;
  readonly heartbeat: HeartbeatScheduler;
}
