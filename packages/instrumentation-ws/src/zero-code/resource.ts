import { diag } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  type Resource,
  type ResourceDetector,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';

type Env = Record<string, string | undefined>;
const LOG_PREFIX = '@ws-otel/instrumentation-ws/register:';

/**
 * The names `OTEL_NODE_RESOURCE_DETECTORS` takes, as NodeSDK reads them, in
 * NodeSDK's order: later ones win, so `OTEL_RESOURCE_ATTRIBUTES` (env) can set
 * `service.instance.id` over the random one.
 */
const DETECTORS: Record<string, ResourceDetector> = {
  serviceinstance: serviceInstanceIdDetector,
  process: processDetector,
  host: hostDetector,
  os: osDetector,
  env: envDetector,
};

function detectorsFromEnv(env: Env): ResourceDetector[] {
  const names = (env.OTEL_NODE_RESOURCE_DETECTORS ?? 'all')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (names.length === 0 || names.includes('all')) return Object.values(DETECTORS);
  if (names.includes('none')) return [];
  for (const name of names) {
    if (!Object.hasOwn(DETECTORS, name)) {
      diag.warn(
        `${LOG_PREFIX} OTEL_NODE_RESOURCE_DETECTORS: '${name}' is not one of ` +
          `${Object.keys(DETECTORS).join(', ')}, all, none; ignoring it`,
      );
    }
  }
  return Object.entries(DETECTORS)
    .filter(([name]) => names.includes(name))
    .map(([, detector]) => detector);
}

/**
 * The resource NodeSDK would give this process: its defaults merged with the
 * same detectors (service instance id, process, host, os, env), so series line
 * up with the app's other telemetry. `OTEL_NODE_RESOURCE_DETECTORS` picks them.
 */
export function resourceFromEnv(env: Env): Resource {
  const resource = defaultResource().merge(detectResources({ detectors: detectorsFromEnv(env) }));
  // host.id is read from a file. Readers that never wait for it (Prometheus)
  // would log an error at every scrape until someone has waited once.
  resource.waitForAsyncAttributes?.().catch((error: unknown) => {
    diag.debug(`${LOG_PREFIX} a resource detector failed`, error);
  });
  return resource;
}
