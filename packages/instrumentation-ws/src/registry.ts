import type { Side, WebSocketInternals } from './internal-types.js';

export const HEALTH_HEALTHY = 0;
export const HEALTH_DEGRADED = 1;
export const HEALTH_UNRESPONSIVE = 2;

export const LOCAL_END_NONE = 0;
/** This side called close() before any close frame came in. */
export const LOCAL_END_CLOSE = 1;
/** This side called terminate(). */
export const LOCAL_END_TERMINATE = 2;

/** Where a socket's record lives, so every hook reaches it without a lookup table. */
export const kConnectionRecord: unique symbol = Symbol('ws-otel.connection');

/**
 * One live connection: plain fields only, no closures, timers or listeners,
 * so 10,000 of them stay small and the heartbeat can walk them in slices.
 */
export class ConnectionRecord {
  // Every field holds a small integer, a string or an object: no double is
  // stored, so no field needs a boxed number and 10,000 records stay small.
  slot = -1;
  /** How this side ended it: LOCAL_END_NONE, LOCAL_END_CLOSE or LOCAL_END_TERMINATE. */
  localEnd = LOCAL_END_NONE;
  /** The last fan-out group this socket was counted in, so repeats are not recipients. */
  fanOutGroup = 0;
  /** Sequence number of the ping that waits for its pong; 0 when none does. */
  pingSeq = 0;
  /** When the last ping (ours, or the app's in observe mode) was sent, in whole ms; 0 for never. */
  pingSentAt = 0;
  /** Pongs missed in a row; the connection's health follows from it (see `healthOf`). */
  missed = 0;
  /** The first error seen on the open connection (a `WS_ERR_*` or errno code). */
  errorType: string | undefined = undefined;
  /** Rate limits of client reports; created with the first reporter frame. */
  reports: ReportLimits | undefined = undefined;

  constructor(
    readonly socket: WebSocketInternals,
    readonly side: Side,
    /** In whole ms of `performance.now()`. */
    readonly openedAt: number,
    readonly route: string | undefined,
  ) {}

  get awaitingPong(): boolean {
    return this.pingSeq !== 0;
  }
}

/**
 * `healthy` (no pong missed since the last one answered), `degraded` (missed
 * some) or `unresponsive` (missed more than `maxMissed`): derived, not stored.
 */
export function healthOf(record: ConnectionRecord, maxMissed: number): number {
  if (record.missed === 0) return HEALTH_HEALTHY;
  return record.missed > maxMissed ? HEALTH_UNRESPONSIVE : HEALTH_DEGRADED;
}

/** When a connection's last client report was accepted, and its last probe answered (ms). */
export interface ReportLimits {
  lastReportAt: number;
  lastProbeAt: number;
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
