import { diag } from '@opentelemetry/api';
import { exportStatus } from './export-status.js';

const LOG_PREFIX = '@ws-otel/instrumentation-ws/register:';
/** Longest wait for the last export when the process is asked to stop. */
const SHUTDOWN_TIMEOUT_MS = 5000;

interface Stoppable {
  shutdown(): Promise<void>;
}

/**
 * Flushes and shuts the provider down on SIGTERM, SIGINT and a natural exit.
 * The wait is bounded by the export timeout, and skipped when the last export
 * failed: a flush to an endpoint that is down would only keep the app
 * running (and accepting connections) for nothing. When the app has no
 * handler of its own for the signal, the signal is raised again afterwards
 * so the process ends the way it would have without us.
 */
export function stopOnExit(provider: Stoppable): void {
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= flush(provider);
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      const appHandlesIt = process.listenerCount(signal) > 1;
      void stop().finally(() => {
        process.removeListener(signal, onSignal);
        if (!appHandlesIt) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
  process.once('beforeExit', () => void stop());
}

function flush(provider: Stoppable): Promise<void> {
  if (exportStatus.lastFailed) {
    diag.debug(`${LOG_PREFIX} the last export failed; not waiting for a final flush`);
    return Promise.resolve();
  }
  const limitMs = Math.min(SHUTDOWN_TIMEOUT_MS, exportStatus.timeoutMs ?? SHUTDOWN_TIMEOUT_MS);
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    provider.shutdown().catch((error) => diag.warn(`${LOG_PREFIX} shutdown failed`, error)),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, limitMs);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
