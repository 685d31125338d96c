import { setTimeout as sleep } from 'node:timers/promises';
import { diag } from '@opentelemetry/api';
import { active } from '../active.js';
import { READY_STATE_OPEN, SIDE_SERVER } from '../internal-types.js';

export interface DrainOptions {
  /** Close code sent to every connection. Default 1001 (going away). */
  code?: number;
  /** Close reason sent with it (at most 123 bytes). Default `server shutting down`. */
  reason?: string;
  /** How long to wait for closes before ending the rest. Default 10000. */
  timeoutMs?: number;
}

export interface DrainResult {
  /** Connections that completed the close handshake within the timeout. */
  closed: number;
  /** Connections ended with `terminate()` when the timeout ran out. */
  terminated: number;
  durationMs: number;
}

const POLL_MS = 20;
const DEFAULTS: Required<DrainOptions> = {
  code: 1001,
  reason: 'server shutting down',
  timeoutMs: 10000,
};

/** A close code a server may send (RFC 6455 7.4): 1000, 1001, 1003, 1007 to 1014, 3000 to 4999. */
function isSendableCloseCode(code: unknown): boolean {
  return (
    Number.isInteger(code) &&
    ((code as number) === 1000 ||
      (code as number) === 1001 ||
      (code as number) === 1003 ||
      ((code as number) >= 1007 && (code as number) <= 1014) ||
      ((code as number) >= 3000 && (code as number) <= 4999))
  );
}

/**
 * A shutdown must go on whatever it is given: an option that is not valid is
 * replaced by its default, with one diag line.
 */
function checkedOptions(options: unknown): Required<DrainOptions> {
  const result = { ...DEFAULTS };
  if (options === undefined) return result;
  if (options === null || typeof options !== 'object') {
    diag.warn(`@ws-otel/instrumentation-ws: drain() options must be an object; using defaults`);
    return result;
  }
  const { code, reason, timeoutMs } = options as DrainOptions;
  const bad: string[] = [];
  if (code !== undefined) {
    if (isSendableCloseCode(code)) result.code = code;
    else bad.push(`code ${String(code)}`);
  }
  if (reason !== undefined) {
    if (typeof reason === 'string' && Buffer.byteLength(reason) <= 123) result.reason = reason;
    else bad.push('reason (a string of at most 123 bytes)');
  }
  if (timeoutMs !== undefined) {
    if (typeof timeoutMs === 'number' && timeoutMs >= 0 && timeoutMs < Infinity) {
      result.timeoutMs = timeoutMs;
    } else bad.push(`timeoutMs ${String(timeoutMs)}`);
  }
  if (bad.length > 0) {
    diag.warn(
      `@ws-otel/instrumentation-ws: drain() ignored invalid ${bad.join(', ')}; using the defaults for them`,
    );
  }
  return result;
}
const TERMINATE_GRACE_MS = 1000;

/**
 * Graceful shutdown of the server side: `/readyz` turns 503, every live
 * server connection gets a close frame, the ones that have not closed when
 * `timeoutMs` runs out are ended. Every connection it ends is recorded with
 * initiator `server`. Resolves with what happened; never rejects.
 */
export async function drain(options: DrainOptions = {}): Promise<DrainResult> {
  const { code, reason, timeoutMs } = checkedOptions(options);
  const startedAt = performance.now();
  const state = active.current;
  if (state === undefined) return { closed: 0, terminated: 0, durationMs: 0 };
  state.draining = true;
  const records = state.registry.records.filter((r) => r.side === SIDE_SERVER);
  for (const record of records) {
    const socket = record.socket as unknown as { close(code: number, reason: string): void };
    if (record.socket._readyState !== READY_STATE_OPEN) continue;
    try {
      socket.close(code, reason);
    } catch {
      // an invalid code or reason from the caller: the timeout will end it
    }
  }
  const open = () => records.filter((r) => r.slot >= 0);
  while (open().length > 0 && performance.now() - startedAt < timeoutMs) await sleep(POLL_MS);
  const remaining = open();
  for (const record of remaining) (record.socket as unknown as { terminate(): void }).terminate();
  // terminate() destroys the socket; its close is recorded a moment later.
  const endedBy = performance.now() + TERMINATE_GRACE_MS;
  while (open().length > 0 && performance.now() < endedBy) await sleep(POLL_MS);
  return {
    closed: records.length - remaining.length,
    terminated: remaining.length,
    durationMs: performance.now() - startedAt,
  };
}
