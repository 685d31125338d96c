export {
  type BroadcastOptions,
  type BroadcastResult,
  type BroadcastTarget,
  broadcast,
} from './broadcast/broadcast.js';
export { type DrainOptions, type DrainResult, drain } from './health/drain.js';
export {
  createHealthHandler,
  type HealthHandler,
  type HealthHandlerOptions,
  type HealthLimit,
  type HealthStatus,
} from './health/handler.js';
export { WsInstrumentation } from './instrumentation.js';
export * from './semconv.js';
export type { HeartbeatConfig, WsInstrumentationConfig } from './types.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
export { configFromEnv } from './zero-code/config-from-env.js';
