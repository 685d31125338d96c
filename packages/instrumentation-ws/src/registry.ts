import type { Side, WebSocketInternals } from './internal-types.js';

export const HEALTH_HEALTHY = 0;
export const HEALTH_DEGRADED = 1;
export const HEALTH_UNRESPONSIVE = 2;

/** Where a socket's record lives, so every hook reaches it without a lookup table. */
export const kConnectionRecord: unique symbol = Symbol('ws-otel.connection');

/**
 * One live connection: plain fields only, no closures, timers or listeners,
 * so 10,000 of them stay small and the heartbeat can walk them in slices.
 */
export class ConnectionRecord {
  slot = -1;
  health = HEALTH_HEALTHY;
  /** This side called close() or terminate() before any close frame came in. */
  closedLocally = false;
  /** This side called terminate(). */
  terminated = false;
  /** The last fan-out group this socket was counted in, so repeats are not recipients. */
  fanOutGroup = 0;
  /** When the last ping (ours, or the app's in observe mode) was sent; 0 for never. */
  pingSentAt = 0;
  /** That ping has not been answered yet. */
  awaitingPong = false;
  /** Pongs missed in a row. */
  missed = 0;
  /** When this connection's last client report was accepted, and its last probe answered. */
  lastReportAt = Number.NEGATIVE_INFINITY;
  lastProbeAt = Number.NEGATIVE_INFINITY;
  /** The first error seen on the open connection (a `WS_ERR_*` or errno code). */
  errorType: string | undefined = undefined;

  constructor(
    readonly socket: WebSocketInternals,
    readonly side: Side,
    readonly openedAt: number,
    readonly route: string | undefined,
  ) {}
}

/** The live connections of both sides, in a dense array with O(1) add and remove. */
export class ConnectionRegistry {
  readonly records: ConnectionRecord[] = [];

  add(record: ConnectionRecord): void {
    record.slot = this.records.length;
    this.records.push(record);
  }

  /** Removes a record; false when it was not (or no longer) held here. */
  remove(record: ConnectionRecord): boolean {
    const { slot } = record;
    if (slot < 0 || this.records[slot] !== record) return false;
    const last = this.records.pop()!;
    if (last !== record) {
      this.records[slot] = last;
      last.slot = slot;
    }
    record.slot = -1;
    return true;
  }

  clear(): void {
    for (const record of this.records) record.slot = -1;
    this.records.length = 0;
  }
}
