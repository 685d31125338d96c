import { setTimeout as sleep } from 'node:timers/promises';
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
const TERMINATE_GRACE_MS = 1000;

/**
 * Graceful shutdown of the server side: `/readyz` turns 503, every live
 * server connection gets a close frame, the ones that have not closed when
 * `timeoutMs` runs out are ended. Every connection it ends is recorded with
 * initiator `server`. Resolves with what happened; never rejects.
 */
export async function drain(options: DrainOptions = {}): Promise<DrainResult> {
  const { code = 1001, reason = 'server shutting down', timeoutMs = 10000 } = options;
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
