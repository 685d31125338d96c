export {
  type BroadcastOptions,
  type BroadcastResult,
  type BroadcastTarget,
  broadcast,
} from './broadcast.js';
export { configFromEnv } from './config.js';
export { WsInstrumentation } from './instrumentation.js';
export * from './semconv.js';
export type { WsInstrumentationConfig } from './types.js';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
