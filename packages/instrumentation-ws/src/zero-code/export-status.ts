/**
 * What the push exporter last did, for the shutdown path: a flush is worth
 * waiting for only when the endpoint answered the last export, and never
 * longer than an export may take.
 */
export const exportStatus = {
  /** The last periodic export failed or had no answer. */
  lastFailed: false,
  /** The push exporter's timeout in ms; undefined without a push exporter. */
  timeoutMs: undefined as number | undefined,
};
