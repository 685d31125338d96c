import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';
import { type Collected, countOf, histogramCounts, key, metricValue } from './helpers/metrics.mts';

interface ScenarioResult {
  plan: {
    connections: number;
    textPerClient: number;
    textBytes: number;
    binaryPerClient: number;
    binaryBytes: number;
    greeting: string;
    greetingBinaryBytes: number;
  };
  whileOpen: Collected;
  afterClose: Collected;
}

const REQUEST_BYTES = 'please-close'.length;
const TEXT = { 'websocket.message.type': 'text' };
const BINARY = { 'websocket.message.type': 'binary' };
const HEALTHY = { 'websocket.connection.health': 'healthy' };

const APPS = [
  { name: 'ws 8, CommonJS app', args: ['scripted-run.cjs', 'ws'] },
  { name: 'ws 8, ESM app', args: ['scripted-run.mjs'] },
  { name: 'ws 7, CommonJS app', args: ['scripted-run.cjs', 'ws7'] },
  { name: 'ws 7, ESM app', args: ['scripted-run-ws7.mjs'] },
];

for (const app of APPS) {
  describe(`scripted run over real sockets: ${app.name}`, () => {
    const run = runFixture<ScenarioResult>(app.args);

    it('counts live connections on both sides while they are open', async () => {
      const { plan, whileOpen } = await run;
      assert.equal(
        metricValue(whileOpen, 'websocket.server.active_connections', HEALTHY),
        plan.connections,
      );
      assert.equal(
        metricValue(whileOpen, 'websocket.client.active_connections', HEALTHY),
        plan.connections,
      );
    });

    it('counts every message and payload byte exactly, by type and side, sends in the open listener included', async () => {
      const { plan, afterClose: m } = await run;
      // Each client sent one text and one binary greeting from its 'open' listener.
      const text = plan.connections * (plan.textPerClient + 1);
      const binary = plan.connections * (plan.binaryPerClient + 1);
      const textBytes =
        plan.connections * (plan.textPerClient * plan.textBytes + Buffer.byteLength(plan.greeting));
      const binaryBytes =
        plan.connections * (plan.binaryPerClient * plan.binaryBytes + plan.greetingBinaryBytes);
      // The server echoes every message except the one request asking it to close.
      assert.equal(metricValue(m, 'websocket.server.received.messages', TEXT), text + 1);
      assert.equal(metricValue(m, 'websocket.server.received.messages', BINARY), binary);
      assert.equal(
        metricValue(m, 'websocket.server.received.bytes', TEXT),
        textBytes + REQUEST_BYTES,
      );
      assert.equal(metricValue(m, 'websocket.server.received.bytes', BINARY), binaryBytes);
      assert.equal(metricValue(m, 'websocket.server.sent.messages', TEXT), text);
      assert.equal(metricValue(m, 'websocket.server.sent.messages', BINARY), binary);
      assert.equal(metricValue(m, 'websocket.server.sent.bytes', TEXT), textBytes);
      assert.equal(metricValue(m, 'websocket.server.sent.bytes', BINARY), binaryBytes);
      assert.equal(metricValue(m, 'websocket.client.sent.messages', TEXT), text + 1);
      assert.equal(metricValue(m, 'websocket.client.sent.messages', BINARY), binary);
      assert.equal(metricValue(m, 'websocket.client.sent.bytes', TEXT), textBytes + REQUEST_BYTES);
      assert.equal(metricValue(m, 'websocket.client.sent.bytes', BINARY), binaryBytes);
      assert.equal(metricValue(m, 'websocket.client.received.messages', TEXT), text);
      assert.equal(metricValue(m, 'websocket.client.received.messages', BINARY), binary);
      assert.equal(metricValue(m, 'websocket.client.received.bytes', TEXT), textBytes);
      assert.equal(metricValue(m, 'websocket.client.received.bytes', BINARY), binaryBytes);
    });

    it('records one successful handshake per connection on each side', async () => {
      const { plan, afterClose } = await run;
      assert.deepEqual(histogramCounts(afterClose, 'websocket.server.handshake.duration'), {
        [key({})]: plan.connections,
      });
      assert.deepEqual(histogramCounts(afterClose, 'websocket.client.handshake.duration'), {
        [key({})]: plan.connections,
      });
    });

    it('records each close with its code, initiator and, for abnormal ends, error.type', async () => {
      const { afterClose } = await run;
      assert.deepEqual(histogramCounts(afterClose, 'websocket.server.connection.duration'), {
        [key({ 'websocket.close.code': 1000, 'websocket.close.initiator': 'client' })]: 1,
        [key({ 'websocket.close.code': '4xxx', 'websocket.close.initiator': 'client' })]: 1,
        [key({ 'websocket.close.code': 1001, 'websocket.close.initiator': 'server' })]: 1,
        // One client vanished, one terminated: the server saw neither send a close frame.
        [key({
          'websocket.close.code': 1006,
          'websocket.close.initiator': 'none',
          'error.type': 'connection_lost',
        })]: 2,
      });
      assert.deepEqual(histogramCounts(afterClose, 'websocket.client.connection.duration'), {
        [key({ 'websocket.close.code': 1000, 'websocket.close.initiator': 'client' })]: 1,
        [key({ 'websocket.close.code': '4xxx', 'websocket.close.initiator': 'client' })]: 1,
        [key({ 'websocket.close.code': 1001, 'websocket.close.initiator': 'server' })]: 1,
        [key({
          'websocket.close.code': 1006,
          'websocket.close.initiator': 'none',
          'error.type': 'connection_lost',
        })]: 1,
        [key({
          'websocket.close.code': 1006,
          'websocket.close.initiator': 'client',
          'error.type': 'terminated',
        })]: 1,
      });
    });

    it('reports no live connections and no errors once everything closed', async () => {
      const { afterClose } = await run;
      assert.equal(metricValue(afterClose, 'websocket.server.active_connections', HEALTHY), 0);
      assert.equal(metricValue(afterClose, 'websocket.client.active_connections', HEALTHY), 0);
      assert.equal(afterClose['websocket.server.errors'], undefined);
      assert.equal(afterClose['websocket.client.errors'], undefined);
    });

    it('uses the catalogue units and bucket advice', async () => {
      const { afterClose: m } = await run;
      assert.equal(m['websocket.server.connection.duration']!.unit, 's');
      assert.equal(m['websocket.server.sent.bytes']!.unit, 'By');
      assert.equal(m['websocket.server.sent.messages']!.unit, '{message}');
      assert.equal(m['websocket.server.active_connections']!.unit, '{connection}');
      assert.deepEqual(
        m['websocket.server.handshake.duration']!.points[0]!.boundaries,
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      );
      assert.equal(countOf(m, 'websocket.server.handshake.duration'), 5);
    });
  });
}
