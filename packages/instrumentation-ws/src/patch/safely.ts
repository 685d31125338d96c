import { diag } from '@opentelemetry/api';

let reported = false;

/**
 * Runs bookkeeping that must never reach the host app: a failure is logged
 * once through the diag logger and otherwise dropped.
 */
export function safely<A extends unknown[]>(work: (...args: A) => void, ...args: A): void {
  try {
    work(...args);
  } catch (error) {
    if (!reported) {
      reported = true;
      diag.error('@ws-otel/instrumentation-ws: internal error, a measurement was dropped', error);
    }
  }
}
