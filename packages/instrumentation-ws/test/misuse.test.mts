import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import {
  broadcast,
  configFromEnv,
  createHealthHandler,
  drain,
  WsInstrumentation,
} from '@ws-otel/instrumentation-ws';
import { WebSocket, WebSocketServer } from 'ws';
import { runFixture } from './helpers/child.mts';
import { captureDiag } from './helpers/diag.mts';

describe('a client cannot forge the heartbeat', () => {
  it('only the pong answering the ping in flight is timed and hidden; forged ones reach the app, and nothing moves /healthz or prints', async () => {
    const result = await runFixture<{
      payloadBytes: number;
      appPongs: number;
      forged: number;
      rttCount: number;
      rttSum: number;
      healthz: string;
      p95: number;
    }>(['forged-pongs.cjs']);
    // Tag and sequence only: no send time, so no process uptime on the wire.
    assert.equal(result.payloadBytes, 12);
    assert.equal(result.appPongs, result.forged);
    assert.equal(result.rttCount, 2);
    assert.ok(result.rttSum >= 0 && result.rttSum < 10, `rtt sum ${result.rttSum}`);
    assert.ok(result.p95 >= 0 && result.p95 < 5, `p95 ${result.p95}`);
    assert.equal(result.healthz, 'healthy');
  });
});

describe('nothing is retained', () => {
  it('a slow reader that closes leaves the queued list without any collection', async () => {
    const result = await runFixture(['registry-lifecycle.cjs', 'queued-close']);
    assert.deepEqual(result, { queuedWhileOpen: 5, recordsAfterClose: 0, queuedAfterClose: 0 });
  });

  it("one instance's disable(), and disable() then enable(), keep the live connections", async () => {
    const result = await runFixture(['registry-lifecycle.cjs', 'disable-enable']);
    assert.deepEqual(result, {
      atStart: 4,
      afterSecondDisabled: 4,
      // The one that closed while disabled is dropped (its close went unseen).
      afterReEnable: 3,
      closesAfterOne: 1,
      drainedClosed: 2,
      liveAfterDrain: 0,
      closesAfterDrain: 3,
      recordsAtEnd: 0,
    });
  });
});

describe('disable() and enable() under traffic', () => {
  it('on one and on two instances: nothing lost, live connections kept, every close recorded', async () => {
    const result = await runFixture(['registry-lifecycle.cjs', 'disable-under-traffic']);
    assert.deepEqual(result, {
      lost: 0,
      sentAny: true,
      serverLive: 20,
      clientLive: 20,
      errors: 0,
      closes: 20,
      recordsAtEnd: 0,
      queuedAtEnd: 0,
    });
  });
});

describe('bad input to public functions', () => {
  const socket = { readyState: 1, sent: 0, send() {} };

  it('broadcast() throws a TypeError for what it cannot use, before sending anything', async () => {
    let sends = 0;
    const counting = { readyState: 1, send: () => sends++ };
    const bad: Array<[unknown, unknown, RegExp]> = [
      [null, undefined, /targets must be a WebSocketServer or an iterable of sockets, got null/],
      [42, undefined, /got number/],
      ['abc', undefined, /got string/],
      [{}, undefined, /got object/],
      [[counting], null, /options must be an object, got null/],
      [[counting], { filter: 'yes' }, /options.filter must be a function, got string/],
    ];
    for (const [targets, options, message] of bad) {
      assert.throws(
        () => broadcast(targets as never, 'x', options as never),
        (error: Error) => error instanceof TypeError && message.test(error.message),
      );
    }
    assert.equal(sends, 0);
    // Entries that are not sockets are skipped.
    assert.deepEqual(
      { ...broadcast([null, 5, socket, undefined] as never, 'x'), durationMs: 0 },
      { sent: 1, skipped: 3, failed: 0, durationMs: 0 },
    );
  });

  it('broadcast() on a server with clientTracking: false says so', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', clientTracking: false });
    await once(wss, 'listening');
    try {
      assert.throws(() => broadcast(wss as never, 'x'), /clientTracking: false/);
    } finally {
      wss.close();
    }
  });

  it('createHealthHandler() throws a TypeError for options it cannot use', () => {
    for (const options of [null, 5, { basePath: 5 }, { windowMs: -1 }, { windowMs: 'x' }]) {
      assert.throws(() => createHealthHandler(options as never), TypeError);
    }
    assert.throws(
      () => createHealthHandler({ rttP95Seconds: { degraded: 1 } as never }),
      /rttP95Seconds must be \{ degraded: number, unhealthy: number \}/,
    );
    assert.equal(typeof createHealthHandler({ basePath: '/h/' }), 'function');
  });

  it('drain() goes on with the defaults for invalid options, saying so once', async () => {
    const lines = captureDiag();
    for (const options of [null, 5, { code: 'x', timeoutMs: -5 }, { reason: 'r'.repeat(200) }]) {
      const result = await drain(options as never);
      assert.equal(result.closed + result.terminated, 0);
    }
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /drain\(\) options must be an object/);
    assert.match(lines[1]!, /drain\(\) options must be an object/);
    assert.match(lines[2]!, /ignored invalid code x, timeoutMs -5/);
    assert.match(lines[3]!, /ignored invalid reason/);
  });

  it('the instrumentation takes any configuration without throwing, one line per bad value', () => {
    const lines = captureDiag();
    const cases: unknown[] = [
      null,
      { heartbeat: 5, clientReports: 'on' },
      { messageSizeHistogram: 'yes', maxRoutes: 1.5, heartbeat: { intervalMs: Number.NaN } },
    ];
    for (const config of cases) {
      const instrumentation = new WsInstrumentation({ ...(config as object), enabled: false });
      instrumentation.setConfig(config as never);
    }
    // Each case is read twice (constructor and setConfig): the lines come in pairs.
    // null reads as no options at all.
    assert.equal(lines.length, 2 * (0 + 2 + 3), lines.join('\n'));
    assert.ok(lines.every((line) => line.startsWith('@ws-otel/instrumentation-ws: ')));
  });
});

describe('integers from the environment are read strictly', () => {
  for (const raw of ['1e9', '0x10', '1.0', ' 12abc', '-1', '+5', '']) {
    it(`OTEL_WS_HEARTBEAT_TIMEOUT=${JSON.stringify(raw)} gives the default${raw ? ' and one line' : ''}`, () => {
      const lines = captureDiag();
      const config = configFromEnv({ OTEL_WS_HEARTBEAT_TIMEOUT: raw, OTEL_WS_MAX_ROUTES: raw });
      assert.equal(config.heartbeat?.timeoutMs, 10000);
      assert.equal(config.maxRoutes, 50);
      assert.equal(lines.length, raw ? 2 : 0);
    });
  }
  it('plain digits, with spaces around them, are read', () => {
    const config = configFromEnv({ OTEL_WS_HEARTBEAT_TIMEOUT: ' 2500 ', OTEL_WS_MAX_ROUTES: '0' });
    assert.equal(config.heartbeat?.timeoutMs, 2500);
    assert.equal(config.maxRoutes, 0);
  });
});

// Keeps the ws import used for its types and as the real server above.
void WebSocket;
