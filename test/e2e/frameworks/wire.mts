// Compares a scrape with what the relay read on the wire: every message and
// byte count by side, direction and type, handshakes, and close codes.
import assert from 'node:assert/strict';
import type { Direction, RelayCounts } from './relay.mts';
import type { Sample } from './run-app.mts';

type Labels = Record<string, string>;

/** Sum of the samples of `name` whose labels include `labels`. */
export function total(samples: Sample[], name: string, labels: Labels = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) {
      sum += s.value;
    }
  }
  return sum;
}

/** Histogram counts of `name` by the value of one label ('' where it is absent). */
export function countsBy(samples: Sample[], name: string, label: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== `${name}_count` || s.value === 0) continue;
    const value = s.labels[label] ?? '';
    counts[value] = (counts[value] ?? 0) + s.value;
  }
  return counts;
}

/** The `websocket.close.code` value of a close code, as the semconv folds it. */
function foldCode(code: number): string {
  if (code >= 1000 && code <= 1015) return String(code);
  if (code >= 3000 && code <= 3999) return '3xxx';
  if (code >= 4000 && code <= 4999) return '4xxx';
  return 'other';
}

/** The close codes one side records: those it received, 1006 for connections that got none. */
function closeCodesReceived(incoming: Direction, opened: number): Record<string, number> {
  const codes: Record<string, number> = {};
  let closes = 0;
  for (const [code, count] of Object.entries(incoming.closeCodes)) {
    const folded = foldCode(Number(code));
    codes[folded] = (codes[folded] ?? 0) + count;
    closes += count;
  }
  if (opened > closes) codes['1006'] = (codes['1006'] ?? 0) + opened - closes;
  return codes;
}

/** Asserts that the scrape says exactly what the wire says, on both sides. */
export function assertMetricsMatchWire(samples: Sample[], wire: RelayCounts): void {
  assert.equal(
    wire.clientSent.compressed + wire.serverSent.compressed,
    0,
    'the suite runs without compression',
  );
  const opened = wire.upgradeStatuses['101'] ?? 0;
  assert.ok(opened > 0, 'no WebSocket was opened through the relay');
  const sides = {
    server: { sent: wire.serverSent, received: wire.serverReceived },
    client: { sent: wire.clientSent, received: wire.clientReceived },
  };
  for (const [side, directions] of Object.entries(sides)) {
    for (const [direction, traffic] of Object.entries(directions)) {
      for (const type of ['text', 'binary'] as const) {
        const labels = { websocket_message_type: type };
        const where = `${side} ${direction} ${type}`;
        assert.equal(
          total(samples, `websocket_${side}_${direction}_messages_total`, labels),
          traffic[type].messages,
          `${where} messages`,
        );
        assert.equal(
          total(samples, `websocket_${side}_${direction}_bytes_total`, labels),
          traffic[type].bytes,
          `${where} bytes`,
        );
      }
    }
    assert.equal(
      total(samples, `websocket_${side}_active_connections`),
      0,
      `${side} connections still counted live`,
    );
  }
  // Handshakes: every 101 on both sides; refusals only where the client saw them.
  assert.deepEqual(
    countsBy(samples, 'websocket_server_handshake_duration', 'error_type'),
    { '': opened },
    'server handshakes',
  );
  const refusals: Record<string, number> = { '': opened };
  for (const [status, count] of Object.entries(wire.upgradeStatuses)) {
    if (status !== '101') refusals[status] = count;
  }
  assert.deepEqual(
    countsBy(samples, 'websocket_client_handshake_duration', 'http_response_status_code'),
    refusals,
    'client handshakes by refusal status',
  );
  assert.deepEqual(
    countsBy(samples, 'websocket_server_connection_duration', 'websocket_close_code'),
    closeCodesReceived(wire.serverReceived, opened),
    'server close codes',
  );
  assert.deepEqual(
    countsBy(samples, 'websocket_client_connection_duration', 'websocket_close_code'),
    closeCodesReceived(wire.clientReceived, opened),
    'client close codes',
  );
}

/** Series in a scrape as `name{labels}` without values, for comparing shapes. */
export function seriesOf(samples: Sample[]): string[] {
  return samples
    .filter((s) => s.name.startsWith('websocket_'))
    .map(
      (s) =>
        `${s.name}{${Object.entries(s.labels)
          .sort()
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}}`,
    )
    .sort();
}
