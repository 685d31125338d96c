import type { ResolvedConfig } from './config.js';
import type { ConnectionRegistry } from './connections/registry.js';
import type { TrafficCounters } from './connections/traffic.js';
import type { HeartbeatScheduler } from './heartbeat/scheduler.js';
import type { WsMetrics } from './metrics/instruments.js';

/**
 * The instrumentation whose patches are in place, as the helpers see it. Fan-out
 * detection is named only by what `broadcast()` touches, so this file stays
 * below broadcast/ and the hook context.
 */
export interface ActiveInstrumentation {
  readonly registry: ConnectionRegistry;
  readonly traffic: TrafficCounters;
  readonly metrics: WsMetrics;
  readonly heartbeat: HeartbeatScheduler;
  readonly config: ResolvedConfig;
  /** Fan-out detection; `broadcast()` pauses it while it records its own sends. */
  readonly fanOut: { paused: boolean };
  /** `drain()` has started: readiness reports 503 from then on. */
  draining: boolean;
}

/**
 * The one instrumentation that currently patches ws in this process, for the
 * helpers that are plain functions (`broadcast()`, `createHealthHandler()`,
 * `drain()`). Undefined while none is enabled.
 */
export const active: { current: ActiveInstrumentation | undefined } = { current: undefined };

const patchedListeners: Array<() => void> = [];
let patchedOnce = false;

/**
 * Runs `listener` once ws has been patched in this process (at once if it
 * already has). Zero-code uses it to start exporters only in the process that
 * really loads ws, not in every process that inherits NODE_OPTIONS (npm, a
 * test runner's wrapper) and would otherwise take the metrics port first.
 */
export function whenWsIsPatched(listener: () => void): void {
  if (patchedOnce) listener();
  else patchedListeners.push(listener);
}

/** Called by the instrumentation each time it patches a copy of ws. */
export function notifyWsPatched(): void {
  if (patchedOnce) return;
  patchedOnce = true;
  for (const listener of patchedListeners.splice(0)) listener();
}
