import {
  LOCAL_END_NONE,
  READY_STATE_CLOSED,
  type Side,
  type WebSocketInternals,
} from '../internal-types.js';

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
  // Every field holds a small integer, a string or an object: no double is
  // stored, so no field needs a boxed number and 10,000 records stay small.
  slot = -1;
  health = HEALTH_HEALTHY;
  /** Listed in `ConnectionRegistry.queued`: a send left data waiting in the socket. */
  queued = false;
  /** How this side ended it: LOCAL_END_NONE, LOCAL_END_CLOSE or LOCAL_END_TERMINATE. */
  localEnd = LOCAL_END_NONE;
  /** The last fan-out group this socket was counted in, so repeats are not recipients. */
  fanOutGroup = 0;
  /** Sequence number of the ping that waits for its pong; 0 when none does. */
  pingSeq = 0;
  /** When the last ping (ours, or the app's in observe mode) was sent, in whole ms; 0 for never. */
  pingSentAt = 0;
  /** The microseconds after `pingSentAt` (0..999): the send time to the µs without a double. */
  pingSentMicros = 0;
  /** Pongs missed in a row. */
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

/** When a connection's last client report was accepted, and its last probe answered (ms). */
export interface ReportLimits {
  lastReportAt: number;
  lastProbeAt: number;
}

/** Live connections counted by route and health, per side: [side] route -> [healthy, degraded, unresponsive]. */
export type ActiveCounts = [Map<string | undefined, number[]>, Map<string | undefined, number[]>];

/**
 * The live connections of both sides, in a dense array with O(1) add and
 * remove, with their counts by route and health kept as they change (so a
 * collection reads a handful of numbers, not every connection), and the short
 * list of connections whose sends left data queued.
 */
export class ConnectionRegistry {
  readonly records: ConnectionRecord[] = [];
  readonly active: ActiveCounts = [new Map(), new Map()];
  /** Records leave it when their connection closes, so a closed socket is never held here. */
  readonly queued = new Set<ConnectionRecord>();

  add(record: ConnectionRecord): void {
    record.slot = this.records.length;
    this.records.push(record);
    this.count(record, 1);
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
    this.count(record, -1);
    if (record.queued) this.unqueue(record);
    return true;
  }

  setHealth(record: ConnectionRecord, health: number): void {
    if (record.health === health) return;
    if (record.slot >= 0) this.count(record, -1);
    record.health = health;
    if (record.slot >= 0) this.count(record, 1);
  }

  noteQueued(record: ConnectionRecord): void {
    record.queued = true;
    this.queued.add(record);
  }

  unqueue(record: ConnectionRecord): void {
    record.queued = false;
    this.queued.delete(record);
  }

  /**
   * Drops records whose socket closed while no hook saw it (ws was unpatched
   * in between); their closes went unseen, so nothing is recorded for them.
   */
  pruneClosed(): void {
    for (let i = this.records.length - 1; i >= 0; i--) {
      const record = this.records[i]!;
      if (record.socket._readyState === READY_STATE_CLOSED) this.remove(record);
    }
  }

  private count(record: ConnectionRecord, delta: number): void {
    const byRoute = this.active[record.side];
    let counts = byRoute.get(record.route);
    if (counts === undefined) {
      counts = [0, 0, 0];
      byRoute.set(record.route, counts);
    }
    counts[record.health]! += delta;
  }
}
