import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';
import { type Collected, histogramCounts, key } from './helpers/metrics.mts';

interface HandshakeResult {
  responses: Record<string, string>;
  metrics?: Collected;
}

describe('failed handshakes', () => {
  const instrumented = runFixture<HandshakeResult>(['handshake-failures.cjs', 'instrumented']);
  const bare = runFixture<HandshakeResult>(['handshake-failures.cjs', 'bare']);

  it('get byte-for-byte the response ws sends without the instrumentation', async () => {
    const [withIt, without] = await Promise.all([instrumented, bare]);
    assert.equal(Object.keys(without.responses).length, 6);
    for (const [name, response] of Object.entries(without.responses)) {
      assert.ok(response.length > 0, `${name}: the bare server answered nothing`);
      assert.equal(withIt.responses[name], response, `${name}: the response changed`);
    }
  });

  it('are counted on the server with the HTTP status as error.type', async () => {
    const { metrics } = await instrumented;
    assert.deepEqual(histogramCounts(metrics!, 'websocket.server.handshake.duration'), {
      // wrong version, Upgrade: garbage, garbage key
      [key({ 'error.type': '400' })]: 3,
      [key({ 'error.type': '405' })]: 1,
      // verifyClient said no with 403
      [key({ 'error.type': '403' })]: 1,
      // the one that worked; bytes that are not HTTP never reach ws, so are not counted
      [key({})]: 1,
    });
  });

  it('are counted on the client: refused connects and non-101 answers', async () => {
    const { metrics } = await instrumented;
    assert.deepEqual(histogramCounts(metrics!, 'websocket.client.handshake.duration'), {
      [key({})]: 1,
      [key({ 'error.type': 'ECONNREFUSED' })]: 1,
      [key({ 'error.type': 'unexpected_response', 'http.response.status_code': 401 })]: 1,
    });
  });

  it('leave no connection behind', async () => {
    const { metrics } = await instrumented;
    assert.deepEqual(histogramCounts(metrics!, 'websocket.server.connection.duration'), {
      [key({ 'websocket.close.code': 1005, 'websocket.close.initiator': 'client' })]: 1,
    });
  });
});
