import type { Attributes } from '@opentelemetry/api';
import type { ConnectionRecord } from '../connections/registry.js';
import { READY_STATE_OPEN } from '../internal-types.js';
import type { WsMetrics } from '../metrics/instruments.js';
import {
  ATTR_WEBSOCKET_BROADCAST_OUTCOME,
  BROADCAST_OUTCOME_VALUE_FAILURE,
  BROADCAST_OUTCOME_VALUE_PARTIAL,
  BROADCAST_OUTCOME_VALUE_SUCCESS,
} from '../semconv.js';

const OUTCOME_ATTRIBUTES: Record<string, Attributes> = {
  success: { [ATTR_WEBSOCKET_BROADCAST_OUTCOME]: BROADCAST_OUTCOME_VALUE_SUCCESS },
  partial: { [ATTR_WEBSOCKET_BROADCAST_OUTCOME]: BROADCAST_OUTCOME_VALUE_PARTIAL },
  failure: { [ATTR_WEBSOCKET_BROADCAST_OUTCOME]: BROADCAST_OUTCOME_VALUE_FAILURE },
};

/** Records one fan-out of one payload to `attempted` sockets. */
export function recordBroadcast(
  metrics: WsMetrics,
  attempted: number,
  delivered: number,
  seconds: number,
): void {
  const outcome = delivered === attempted ? 'success' : delivered === 0 ? 'failure' : 'partial';
  metrics.recordBroadcast(delivered, seconds, OUTCOME_ATTRIBUTES[outcome]!);
}

/**
 * Recognises the usual `for (const c of wss.clients) c.send(payload)` loop as
 * one broadcast, without the app changing that loop. Consecutive sends of the
 * same payload (the same object, or an equal string) to distinct server
 * sockets within one synchronous run form a group; a group that reached two
 * or more sockets is recorded at the end of the run (a microtask) or when a
 * different payload starts the next group. The send path compares one
 * reference and stamps the connection record: constant time, no allocation.
 * The clock is read only for groups that reach a second socket, once there
 * and once at the end, so the duration runs from the second send to the end
 * of the group (one send's time short of the whole fan-out).
 */
export class FanOutDetector {
  private payload: unknown = undefined;
  private group = 0;
  private attempted = 0;
  private delivered = 0;
  private startedAt = 0;
  private flushScheduled = false;
  /** Sends made by the explicit `broadcast()` helper record themselves. */
  paused = false;
  private readonly flush = () => {
    this.flushScheduled = false;
    this.endGroup();
  };

  constructor(private readonly metrics: () => WsMetrics) {}

  /** Called for every send on a server socket, open or not. */
  noteSend(record: ConnectionRecord | undefined, data: unknown, readyState: number): void {
    if (this.paused || record === undefined) return;
    const samePayload =
      this.attempted > 0 &&
      (data === this.payload || (isEmptyPayload(data) && isEmptyPayload(this.payload)));
    if (!samePayload) {
      // A new group. Most sends stay groups of one: no clock read for them.
      if (this.attempted >= 2) this.endGroup();
      this.payload = data;
      this.group++;
      this.attempted = 1;
      this.delivered = readyState === READY_STATE_OPEN ? 1 : 0;
      record.fanOutGroup = this.group;
      // Groups never span two runs of the event loop: one microtask per run ends them.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.flush);
      }
      return;
    }
    if (record.fanOutGroup === this.group) return; // the same socket again: not another recipient
    record.fanOutGroup = this.group;
    // The second recipient makes it a broadcast; its clock starts here.
    if (this.attempted === 1) this.startedAt = performance.now();
    this.attempted++;
    if (readyState === READY_STATE_OPEN) this.delivered++;
  }

  private endGroup(): void {
    const { attempted, delivered } = this;
    this.payload = undefined;
    this.attempted = 0;
    this.delivered = 0;
    if (attempted < 2) return;
    recordBroadcast(
      this.metrics(),
      attempted,
      delivered,
      (performance.now() - this.startedAt) / 1000,
    );
  }
}

/**
 * ws sends `''`, `null`, `undefined` and `false` as its one shared empty
 * buffer, so an open socket's Sender and a closing socket's `send()` see
 * different values for the same empty message: every empty payload is one.
 */
function isEmptyPayload(data: unknown): boolean {
  if (data === undefined || data === null || data === '' || data === false) return true;
  return typeof data === 'object' && (data as { byteLength?: unknown }).byteLength === 0;
}
