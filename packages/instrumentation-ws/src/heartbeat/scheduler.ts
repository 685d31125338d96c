import type { ResolvedConfig } from '../config.js';
import {
  type ConnectionRecord,
  type ConnectionRegistry,
  HEALTH_DEGRADED,
  HEALTH_HEALTHY,
  HEALTH_UNRESPONSIVE,
} from '../connections/registry.js';
import { READY_STATE_OPEN, SIDE_SERVER, type Side } from '../internal-types.js';
import type { WsMetrics } from '../metrics/instruments.js';
import { ERROR_TYPE_VALUE_HEARTBEAT_TIMEOUT } from '../semconv.js';
import { isOurPong, pongSeq, sendPing } from './ping-frame.js';
import { RttWindow } from './rtt-window.js';

const MAX_SEQ = 0x3fffffff;
/** No round trip is longer than this (the timeout's upper bound in practice). */
const MAX_RTT_MS = 3_600_000;
/** A connection is due for a ping once this share of the interval has passed. */
const DUE_SHARE = 0.75;
/** The most ticks' worth of connections one tick visits after a stall. */
const MAX_TICKS_AT_ONCE = 4;
const TICKS_PER_INTERVAL = 500;
const MIN_TICK_MS = 10;
const MAX_TICK_MS = 100;

/**
 * One scheduler for every instrumented connection. A single unref'd timer
 * ticks; each tick walks the next slice of the registry, so pings are spread
 * over the interval and no sweep blocks the event loop. Pings that are
 * waiting for a pong sit in one FIFO (they were sent in time order), which
 * each tick checks from its head for pongs that did not come in time.
 */
export class HeartbeatScheduler {
  readonly rtt = new RttWindow();
  /** Totals since start, by side, for the health endpoints. */
  readonly timeouts = [0, 0];
  readonly terminations = [0, 0];
  private timer: NodeJS.Timeout | undefined;
  private cursor = 0;
  private quota = 0;
  private tickMs = 1000;
  private lastTick = 0;
  /** Popped entries are set to undefined at once, so a closed connection's record is not held. */
  private readonly waiting: Array<ConnectionRecord | undefined> = [];
  private readonly waitingSince: number[] = [];
  private readonly waitingSeq: number[] = [];
  private waitingHead = 0;
  /** Starts at a random point, so the numbers say nothing about how long the process has run. */
  private seq = 1 + Math.floor(Math.random() * MAX_SEQ);
  /** Pings past their timeout, waiting for the verdict after pending I/O. */
  private overdue: ConnectionRecord[] = [];
  private overdueSeq: number[] = [];

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly config: () => ResolvedConfig,
    private readonly metrics: () => WsMetrics,
  ) {}

  /** Starts, or restarts with the current options; pings in flight keep their deadlines. */
  start(): void {
    const { mode, intervalMs, timeoutMs } = this.config().heartbeat;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (mode === 'off') return;
    // Small slices: 500 ticks an interval, and a timeout checked to a
    // hundredth, between one tick every 10 ms and one every 100 ms. At 12,500
    // connections pinged every 5 s a tick sends 25 pings: each ping's write
    // can hand the core to the process it wakes, so few writes a tick keep
    // the loop's longest wait short.
    const wanted = Math.min(intervalMs / TICKS_PER_INTERVAL, timeoutMs / 100);
    this.tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, wanted));
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  /** Stops and forgets every ping in flight; their connections can be pinged again after a restart. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (let i = this.waitingHead; i < this.waiting.length; i++) {
      const record = this.waiting[i]!;
      if (record.pingSeq === this.waitingSeq[i]) record.pingSeq = 0;
    }
    for (let i = 0; i < this.overdue.length; i++) {
      const record = this.overdue[i]!;
      if (record.pingSeq === this.overdueSeq[i]) record.pingSeq = 0;
    }
    this.waiting.length = 0;
    this.waitingSince.length = 0;
    this.waitingSeq.length = 0;
    this.waitingHead = 0;
    this.overdue = [];
    this.overdueSeq = [];
  }

  private tick(): void {
    const now = performance.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    const { heartbeat } = this.config();
    this.expireWaiting(now, heartbeat.timeoutMs);
    if (heartbeat.mode !== 'active') return;
    const records = this.registry.records;
    // Visit every record once per interval: this tick's share of them. After
    // the loop was blocked, at most a few ticks' worth at once, so catching
    // up never turns into a sweep; the rest are visited in the next pass.
    const perTick = (records.length * this.tickMs) / heartbeat.intervalMs;
    this.quota = Math.min(
      this.quota + (records.length * elapsed) / heartbeat.intervalMs,
      Math.max(1, perTick * MAX_TICKS_AT_ONCE),
    );
    const dueAfter = heartbeat.intervalMs * DUE_SHARE;
    while (this.quota >= 1) {
      this.quota--;
      if (this.cursor >= records.length) this.cursor = 0;
      const record = records[this.cursor++];
      if (record === undefined) break;
      if (record.side !== SIDE_SERVER && !heartbeat.clients) continue;
      if (record.awaitingPong || record.socket._readyState !== READY_STATE_OPEN) continue;
      const since = record.pingSentAt > 0 ? record.pingSentAt : record.openedAt;
      if (now - since >= dueAfter) this.pingConnection(record, now);
    }
  }

  private pingConnection(record: ConnectionRecord, now: number): void {
    const seq = this.nextSeq();
    try {
      sendPing(record.socket, seq);
    } catch {
      return; // not open after all: the close path will account for it
    }
    this.markWaiting(record, now, seq);
  }

  private nextSeq(): number {
    this.seq = this.seq >= MAX_SEQ ? 1 : this.seq + 1;
    return this.seq;
  }

  /** Notes a ping (ours, or the app's in observe mode) that waits for its pong. */
  markWaiting(record: ConnectionRecord, now: number, seq = this.nextSeq()): void {
    const wholeMs = Math.floor(now);
    record.pingSentAt = wholeMs;
    record.pingSentMicros = Math.floor((now - wholeMs) * 1000);
    record.pingSeq = seq;
    this.waiting.push(record);
    this.waitingSince.push(now);
    this.waitingSeq.push(seq);
  }

  /** Pops pings older than the timeout; misses are confirmed after pending I/O. */
  private expireWaiting(now: number, timeoutMs: number): void {
    const first = this.overdue.length === 0;
    while (this.waitingHead < this.waiting.length) {
      const since = this.waitingSince[this.waitingHead]!;
      const seq = this.waitingSeq[this.waitingHead]!;
      const record = this.waiting[this.waitingHead]!;
      const current = record.pingSeq === seq && record.slot >= 0;
      if (current && now - since < timeoutMs) break;
      this.waiting[this.waitingHead] = undefined;
      this.waitingHead++;
      if (current) {
        this.overdue.push(record);
        this.overdueSeq.push(seq);
      }
    }
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingSince.length = 0;
      this.waitingSeq.length = 0;
      this.waitingHead = 0;
    } else if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingSince.splice(0, this.waitingHead);
      this.waitingSeq.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    // A blocked event loop runs timers before it reads sockets: a pong that
    // arrived during the block is read in this iteration's poll phase, so the
    // verdict waits for setImmediate, which runs after it.
    if (first && this.overdue.length > 0) setImmediate(() => this.confirmMisses());
  }

  private confirmMisses(): void {
    const { overdue, overdueSeq } = this;
    this.overdue = [];
    this.overdueSeq = [];
    const { maxMissed, terminate } = this.config().heartbeat;
    const metrics = this.metrics();
    for (let i = 0; i < overdue.length; i++) {
      const record = overdue[i]!;
      // The pong came in after all, or the connection is gone.
      if (record.pingSeq !== overdueSeq[i] || record.slot < 0) continue;
      record.pingSeq = 0;
      record.missed++;
      metrics.countHeartbeatTimeout(record.side);
      this.timeouts[record.side]!++;
      this.registry.setHealth(
        record,
        record.missed > maxMissed ? HEALTH_UNRESPONSIVE : HEALTH_DEGRADED,
      );
      if (terminate && record.health === HEALTH_UNRESPONSIVE) {
        record.errorType = ERROR_TYPE_VALUE_HEARTBEAT_TIMEOUT;
        metrics.countHeartbeatTermination(record.side);
        this.terminations[record.side]!++;
        (record.socket as unknown as { terminate(): void }).terminate();
      }
    }
  }

  /**
   * Handles a pong on an instrumented socket; true when it answers the ping
   * of ours in flight on that socket (the app never asked for it, so it is
   * not passed on). Any other pong, tagged or not, reaches the app.
   */
  onPong(record: ConnectionRecord | undefined, data: unknown, observing: boolean): boolean {
    if (record === undefined || !record.awaitingPong) return false;
    if (isOurPong(data)) {
      if (pongSeq(data) !== record.pingSeq) return false; // unsolicited or a replay
      this.answered(record, performance.now());
      return true;
    }
    // The app's own ping in observe mode: any pong answers it.
    if (observing) this.answered(record, performance.now());
    return false;
  }

  /** Times the round trip from the send time this server noted, never from the pong. */
  private answered(record: ConnectionRecord, now: number): void {
    const rttMs = now - (record.pingSentAt + record.pingSentMicros / 1000);
    record.pingSeq = 0;
    // performance.now() is monotonic, so this holds; the check keeps a bad
    // value out of the histogram and /healthz whatever happens.
    if (!(rttMs >= 0 && rttMs < MAX_RTT_MS)) return;
    const seconds = rttMs / 1000;
    record.missed = 0;
    this.registry.setHealth(record, HEALTH_HEALTHY);
    this.rtt.add(seconds, now);
    this.metrics().recordHeartbeatRtt(record.side as Side, seconds);
  }
}
