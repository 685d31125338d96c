import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';
import { type Collected, histogramCounts, key } from './helpers/metrics.mts';

interface HandshakeResult {
  version: string;
  responses: Record<string, string>;
  metrics?: Collected;
}

for (const wsPackage of ['ws', 'ws7']) {
  describe(`failed handshakes (${wsPackage})`, () => {
    const instrumented = runFixture<HandshakeResult>([
      'handshake-failures.cjs',
      'instrumented',
      wsPackage,
    ]);
    const bare = runFixture<HandshakeResult>(['handshake-failures.cjs', 'bare', wsPackage]);

    it('get byte-for-byte the response ws sends without the instrumentation', async () => {
      const [withIt, without] = await Promise.all([instrumented, bare]);
      assert.equal(Object.keys(without.responses).length, 7);
      for (const [name, response] of Object.entries(without.responses)) {
        assert.ok(response.length > 0, `${name}: the bare server answered nothing`);
        assert.equal(withIt.responses[name], response, `${name}: the response changed`);
      }
    });

    it('are counted on the server with the HTTP status as error.type', async () => {
      const { version, metrics } = await instrumented;
      // ws 8.7 answers a wrong method with 405; ws 7 and 8.0 to 8.6 with 400.
      // Those older releases also refuse with write() and destroy() rather
      // than end(): each way is counted.
      const [major, minor] = version.split('.').map(Number);
      const methodStatus = major! > 8 || (major === 8 && minor! >= 7) ? '405' : '400';
      const expected: Record<string, number> = {
        // wrong version, Upgrade: garbage, garbage key
        [key({ 'error.type': '400' })]: 3,
        // verifyClient said no with 403
        [key({ 'error.type': '403' })]: 1,
        // the one that worked; bytes that are not HTTP never reach ws, so are not counted
        [key({})]: 1,
        // (the refusal on a socket with its own end() and write() is not seen)
      };
      const method = key({ 'error.type': methodStatus });
      expected[method] = (expected[method] ?? 0) + 1;
      assert.deepEqual(
        histogramCounts(metrics!, 'websocket.server.handshake.duration'),
        expected,
        `ws ${version}`,
      );
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
}
