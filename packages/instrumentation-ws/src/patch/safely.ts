import { diag } from '@opentelemetry/api';

let reported = false;

/** The argument lists `safely` passes on: five at most. */
type UpToFive =
  | []
  | [unknown]
  | [unknown, unknown]
  | [unknown, unknown, unknown]
  | [unknown, unknown, unknown, unknown]
  | [unknown, unknown, unknown, unknown, unknown];

/**
 * Runs bookkeeping that must never reach the host app: a failure is logged
 * once through the diag logger and otherwise dropped. Up to five arguments
 * are passed on as plain parameters (no rest array): this runs for every
 * connection that opens and closes.
 */
export function safely<A extends UpToFive>(work: (...args: A) => void, ...args: A): void;
export function safely(
  work: (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => void,
  a?: unknown,
  b?: unknown,
  c?: unknown,
  d?: unknown,
  e?: unknown,
): void {
  try {
    work(a, b, c, d, e);
  } catch (error) {
    if (!reported) {
      reported = true;
      diag.error('@ws-otel/instrumentation-ws: internal error, a measurement was dropped', error);
    }
  }
}
