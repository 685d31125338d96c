import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';

interface DeadPeers {
  heartbeat: { intervalMs: number; timeoutMs: number };
  firstSeen: Record<string, number>;
  appPongs: number;
  rttCount: number;
  timeouts: number;
  terminations: number;
  active: Record<string, number>;
  closes: Array<[Record<string, unknown>, number]>;
}

const TICK_AND_POLL_MS = 60;

describe('heartbeat: peers that stop answering', () => {
  for (const mode of ['keep', 'terminate'] as const) {
    it(`turn degraded, then unresponsive, at the configured times (terminate ${mode === 'terminate' ? 'on' : 'off'})`, async () => {
      const r = await runFixture<DeadPeers>(['heartbeat-dead-peers.cjs', mode]);
      const { intervalMs: I, timeoutMs: T } = r.heartbeat;
      // First ping once 3/4 of an interval has passed, at most one more interval later.
      const degraded = r.firstSeen['degraded:1']!;
      assert.ok(degraded >= 0.75 * I + T, `degraded too early: ${degraded} ms`);
      assert.ok(degraded <= 1.75 * I + T + TICK_AND_POLL_MS, `degraded too late: ${degraded} ms`);
      // The healthy client keeps answering, and never sees our pongs as its own.
      assert.equal(r.appPongs, 0);
      assert.ok(r.rttCount >= 4, `only ${r.rttCount} round trips measured`);
      if (mode === 'keep') {
        const unresponsive = r.firstSeen['unresponsive:2']!;
        assert.ok(unresponsive >= degraded + T, `unresponsive too early: ${unresponsive} ms`);
        assert.ok(
          unresponsive <= 1.75 * I + T + I + T + 2 * TICK_AND_POLL_MS,
          `unresponsive too late: ${unresponsive} ms`,
        );
        assert.deepEqual(r.active, { healthy: 1, degraded: 0, unresponsive: 2 });
        assert.equal(r.terminations, 0);
        assert.deepEqual(r.closes, []);
      } else {
        assert.deepEqual(r.active, { healthy: 1, degraded: 0, unresponsive: 0 });
        assert.equal(r.terminations, 2);
        // Two misses each (maxMissed 1), then ended.
        assert.equal(r.timeouts, 4);
        assert.deepEqual(r.closes, [
          [
            {
              'websocket.close.code': 1006,
              'websocket.close.initiator': 'server',
              'error.type': 'heartbeat_timeout',
            },
            2,
          ],
        ]);
      }
    });
  }
});

describe('heartbeat: healthy peers', () => {
  it('get no false timeouts while the server loop is blocked for 200 ms at a time', async () => {
    const r = await runFixture<{
      timeouts: number;
      rttCount: number;
      active: Record<string, number>;
    }>(['heartbeat-timing.cjs'], {
      env: {
        HEARTBEAT: JSON.stringify({ intervalMs: 100, timeoutMs: 150 }),
        CLIENTS: '20',
        BLOCK_MS: '200',
        BLOCK_EVERY_MS: '300',
        DURATION_MS: '3000',
      },
    });
    assert.ok(r.rttCount > 100, `only ${r.rttCount} round trips`);
    assert.equal(r.timeouts, 0);
    assert.deepEqual(r.active, { healthy: 20, degraded: 0, unresponsive: 0 });
  });

  it('measure a pong delayed by 50 ms as 50 ms +- 5 ms', async () => {
    const r = await runFixture<{ rttMeanMs: number; rttP50Ms: number; rttCount: number }>(
      ['heartbeat-timing.cjs'],
      {
        env: {
          HEARTBEAT: JSON.stringify({ intervalMs: 200, timeoutMs: 1000 }),
          CLIENTS: '10',
          PONG_DELAY_MS: '50',
          DURATION_MS: '2000',
        },
      },
    );
    assert.ok(r.rttCount >= 50, `only ${r.rttCount} round trips`);
    assert.ok(Math.abs(r.rttP50Ms - 50) <= 5, `p50 round trip (from /stats) ${r.rttP50Ms} ms`);
    assert.ok(Math.abs(r.rttMeanMs - 50) <= 5, `mean round trip (histogram) ${r.rttMeanMs} ms`);
  });
});

describe('heartbeat: ping frames on the wire', () => {
  for (const ws of ['ws8', 'ws7']) {
    it(`${ws}: a server ping is one RFC 6455 frame a raw client can answer, and a compressing sender queues it`, async () => {
      const r = await runFixture<{
        raw: {
          status: string;
          pingHeader: number[];
          payloadBytes: number;
          rttCount: number;
          timeouts: number;
          pingCallsThroughWs: number;
        };
        compressing: {
          sent: number;
          received: number;
          outOfOrder: number;
          rttCount: number;
          timeouts: number;
          pingCallsThroughWs: number;
          errors: number;
        };
      }>(['heartbeat-ping-frames.cjs', ws]);
      assert.equal(r.raw.status, 'HTTP/1.1 101 Switching Protocols');
      // FIN + ping opcode, unmasked, 12 bytes of payload (tag and sequence, no clock):
      // written whole, not through ws.ping().
      assert.deepEqual(r.raw.pingHeader, [0x89, 12]);
      assert.equal(r.raw.payloadBytes, 12);
      assert.equal(r.raw.pingCallsThroughWs, 0);
      assert.equal(r.raw.rttCount, 1);
      assert.equal(r.raw.timeouts, 0);
      // While ws compresses, our pings wait in its queue: the stream stays whole and in order.
      const c = r.compressing;
      assert.ok(c.sent > 50, `only ${c.sent} messages sent`);
      assert.equal(c.received, c.sent);
      assert.equal(c.outOfOrder, 0);
      assert.ok(c.pingCallsThroughWs > 0, 'no ping found the sender busy');
      assert.ok(c.rttCount >= 5, `only ${c.rttCount} round trips`);
      assert.equal(c.timeouts, 0);
      assert.equal(c.errors, 0);
    });
  }
});
