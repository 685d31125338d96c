import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';
import { type Collected, countOf, metricValue } from './helpers/metrics.mts';

type Prototypes = {
  webSocket: Record<string, unknown>;
  server: Record<string, unknown>;
  sender: Record<string, unknown>;
  netSocket: Record<string, unknown>;
};
const lifecycle = <T,>(name: string) =>
  runFixture<T & { warnings: string[] }>(['lifecycle.cjs', name]);
const TEXT = { 'websocket.message.type': 'text' };
const BINARY = { 'websocket.message.type': 'binary' };
const HEALTHY = { 'websocket.connection.health': 'healthy' };

describe('construction order and switches', () => {
  const pristine = lifecycle<{ prototypes: Prototypes }>('pristine');

  it('{ enabled: false } patches nothing and records nothing', async () => {
    const result = await lifecycle<{ prototypes: Prototypes; handshakes: number }>('enabled-false');
    assert.deepEqual(result.prototypes, (await pristine).prototypes);
    assert.equal(result.handshakes, 0);
  });

  it('watches net.Socket#end as ws loads, before the app makes a socket', async () => {
    // Replacing a prototype's method after sockets exist sends V8's property
    // caches in net.Socket's constructor megamorphic for the process's life.
    const loaded = (await lifecycle<{ prototypes: Prototypes }>('loaded')).prototypes.netSocket;
    const { netSocket } = (await pristine).prototypes;
    const changed = Object.keys(loaded).filter(
      (key) => JSON.stringify(loaded[key]) !== JSON.stringify(netSocket[key]),
    );
    assert.deepEqual(changed, ['end', 'Symbol(@ws-otel/instrumentation-ws.end-watched)']);
  });

  it('disable() restores every original; enable() again re-applies, once', async () => {
    const result = await lifecycle<{
      first: number;
      whileDisabled: number;
      afterEnable: number;
      afterDisable: Prototypes;
      received: Array<{ attributes: Record<string, string>; value: number }>;
    }>('disable-enable');
    const { prototypes } = await pristine;
    assert.deepEqual(result.afterDisable, prototypes);
    assert.equal(result.first, 1);
    assert.equal(result.whileDisabled, 1, 'a handshake was recorded while disabled');
    assert.equal(result.afterEnable, 2, 'enable() did not patch again');
    // Three exchanges of one text message each; the disabled one is not counted.
    const text = result.received.find((p) => p.attributes['websocket.message.type'] === 'text');
    assert.equal(text?.value, 2);
  });

  it('created after ws is loaded: says so through diag and measures new connections', async () => {
    const result = await lifecycle<{ handshakes: number }>('late');
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /ws was loaded before WsInstrumentation was enabled/);
    assert.equal(result.handshakes, 1);
  });

  it('setMeterProvider() moves every instrument: the old provider reports nothing new, the new one everything', async () => {
    // One exchange (a 5-byte text message each way, a clean close) on the
    // first provider, the move, then one more exchange.
    const { firstBefore, firstAfter, second } = await lifecycle<{
      firstBefore: Collected;
      firstAfter: Collected;
      second: Collected;
    }>('set-meter-provider');
    assert.equal(Object.keys(firstBefore).length, 20);
    assert.deepEqual(firstAfter, firstBefore, 'the first provider still sees new values');
    assert.deepEqual(Object.keys(second).sort(), Object.keys(firstBefore).sort());
    // Totals are the process's: both exchanges. Recorded values: the second one only.
    for (const side of ['server', 'client']) {
      for (const metric of ['sent', 'received']) {
        assert.equal(metricValue(second, `websocket.${side}.${metric}.messages`, TEXT), 2);
        assert.equal(metricValue(second, `websocket.${side}.${metric}.bytes`, TEXT), 10);
        assert.equal(metricValue(second, `websocket.${side}.${metric}.messages`, BINARY), 0);
      }
      assert.equal(countOf(second, `websocket.${side}.handshake.duration`), 1);
      assert.equal(
        countOf(second, `websocket.${side}.connection.duration`, {
          'websocket.close.code': 1000,
          'websocket.close.initiator': 'client',
        }),
        1,
      );
      assert.equal(metricValue(second, `websocket.${side}.active_connections`, HEALTHY), 0);
      assert.equal(metricValue(second, `websocket.${side}.heartbeat.timeouts`), 0);
    }
    assert.equal(metricValue(firstBefore, 'websocket.server.received.messages', TEXT), 1);
    assert.equal(metricValue(second, 'websocket.server.send_queue.size'), 0);
  });

  it('a second instance does not double count, and says why', async () => {
    const result = await lifecycle<{ received: Array<{ attributes: object; value: number }> }>(
      'two-instances',
    );
    assert.equal(result.received.find((p) => p.value > 0)?.value, 1);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /already patched by another WsInstrumentation/);
  });
});

describe('calls pass through the hooks as made', () => {
  it("a wrapper below ours sees each emit and send with the caller's own argument count", async () => {
    const result = await runFixture<{ listened: number[]; received: string[]; calls: string[] }>([
      'argument-counts.cjs',
    ]);
    // What the app passed: emit('custom', ...) with 0, 1, 2 and 4 values; send() with 1, 2, 2, 3 arguments.
    assert.deepEqual(result.listened, [0, 1, 2, 4]);
    assert.deepEqual(result.received, ['a', 'b', 'c', 'd']);
    const viaSender = ['sender.send/3', 'sender.sendFrame/2'];
    assert.deepEqual(result.calls, [
      'emit custom/1',
      'emit custom/2',
      'emit custom/3',
      'emit custom/5',
      ...['ws.send/1', ...viaSender],
      ...['ws.send/2', ...viaSender],
      ...['ws.send/2', ...viaSender],
      ...['ws.send/3', ...viaSender],
    ]);
  });
});

describe('ws loaded by require and by import in one process', () => {
  it('shares one patch and counts each connection and message once', async () => {
    const { sameClasses, metrics } = await runFixture<{ sameClasses: boolean; metrics: Collected }>(
      ['require-and-import.mjs'],
    );
    assert.equal(sameClasses, true);
    assert.equal(countOf(metrics, 'websocket.server.handshake.duration'), 1);
    assert.equal(countOf(metrics, 'websocket.client.handshake.duration'), 1);
    assert.equal(metricValue(metrics, 'websocket.server.received.messages', TEXT), 1);
    assert.equal(metricValue(metrics, 'websocket.client.received.messages', TEXT), 1);
    assert.equal(metricValue(metrics, 'websocket.server.received.bytes', TEXT), 5);
  });
});
