/**
 * Zero-code entry: `node --require @ws-otel/instrumentation-ws/register app.js`
 * or `node --import @ws-otel/instrumentation-ws/register app.mjs`. Sets up the
 * instrumentation from OTEL_WS_* and, once ws is loaded, either joins the
 * MeterProvider another SDK registered by then or sets up its own from the
 * standard OTEL_* variables; metrics only. Nothing here may stop the host app.
 */

import { createServer } from 'node:http';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { diagLogLevelFromString, setGlobalErrorHandler } from '@opentelemetry/core';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { whenWsIsPatched } from '../active.js';
import { createHealthHandler } from '../health/handler.js';
import { WsInstrumentation } from '../instrumentation.js';
import { configFromEnv } from './config-from-env.js';
import { RegisterDiagLogger } from './diag-logger.js';
import { strictInteger } from './env-integer.js';
import { registeredMeterProvider } from './global-provider.js';
import { joinRegisteredProvider } from './join-sdk.js';
import { startOwnProvider } from './own-provider.js';
import { stopOnExit } from './shutdown.js';

const LOG_PREFIX = '@ws-otel/instrumentation-ws/register:';
const kStarted = Symbol.for('@ws-otel/instrumentation-ws.register');

function start(env: NodeJS.ProcessEnv): void {
  const logger = new RegisterDiagLogger(Boolean(env.OTEL_LOG_LEVEL?.trim()));
  diag.setLogger(logger, {
    logLevel: diagLogLevelFromString(env.OTEL_LOG_LEVEL) ?? DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    diag.info(`${LOG_PREFIX} OTEL_SDK_DISABLED=true, not starting`);
    return;
  }
  // The hooks go in now; exporters, the health port and signal handlers only
  // once this process actually loads ws, by which time a preloaded SDK
  // (either side of register on the command line) has registered its provider.
  const instrumentation = new WsInstrumentation(configFromEnv(env));
  whenWsIsPatched(() => {
    try {
      const registered = registeredMeterProvider();
      if (registered !== undefined) {
        logger.join();
        joinRegisteredProvider(registered, instrumentation);
      } else {
        logger.own();
        reportExportErrorsOnce();
        const provider = startOwnProvider(env, instrumentation);
        stopOnExit(provider);
      }
      serveHealth(env);
    } catch (error) {
      diag.error(`${LOG_PREFIX} could not start exporting; the app is unaffected`, error);
    }
  });
}

/** `OTEL_WS_HEALTH_PORT`: /livez, /readyz, /healthz and /stats on a port of their own. */
function serveHealth(env: NodeJS.ProcessEnv): void {
  const raw = env.OTEL_WS_HEALTH_PORT?.trim();
  if (!raw) return;
  const port = strictInteger(raw);
  if (port === undefined || port > 65535) {
    diag.warn(
      `${LOG_PREFIX} OTEL_WS_HEALTH_PORT=${raw} is not a port; not serving health endpoints`,
    );
    return;
  }
  const host = env.OTEL_WS_HEALTH_HOST?.trim() || '0.0.0.0';
  const handler = createHealthHandler();
  const server = createServer((req, res) => {
    if (!handler(req, res)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found: try /livez, /readyz, /healthz or /stats\n');
    }
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    diag.error(
      `${LOG_PREFIX} the health endpoints could not listen on ${host}:${port} ` +
        `(${error.code ?? error.message}); the app is unaffected`,
    );
  });
  server.listen(port, host);
  server.unref();
}

/**
 * The SDK reports every failed or timed-out export through the global error
 * handler, once per interval. A collector that is down should cost the app
 * one clear line, not a line a minute: the rest go to debug.
 */
function reportExportErrorsOnce(): void {
  let reported = false;
  setGlobalErrorHandler((error) => {
    if (reported) {
      diag.debug(`${LOG_PREFIX} metrics export failed again`, error);
      return;
    }
    reported = true;
    const reason = error instanceof Error ? error.message : String(error);
    diag.error(
      `${LOG_PREFIX} metrics export failed (${reason}); the app is unaffected, metrics are ` +
        'dropped until the endpoint answers (repeats are logged at debug level)',
    );
  });
}

const host = globalThis as { [kStarted]?: boolean };
if (!host[kStarted]) {
  host[kStarted] = true;
  try {
    start(process.env);
  } catch (error) {
    diag.error(`${LOG_PREFIX} could not start; the app runs without WebSocket metrics`, error);
  }
}
