export {
  type BroadcastOptions,
  type BroadcastResult,
  type BroadcastTarget,
  broadcast,
} from './broadcast.js';
export { configFromEnv } from './config.js';
export { type DrainOptions, type DrainResult, drain } from './drain.js';
export {
  createHealthHandler,
  type HealthHandler,
  type HealthHandlerOptions,
  type HealthLimit,
  type HealthStatus,
} from './health.js';
export { WsInstrumentation } from './instrumentation.js';
export * from './semconv.js';
export type { HeartbeatConfig, WsInstrumentationConfig } from './types.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
