import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';
import { type Collected, histogramCounts, key, point } from './helpers/metrics.mts';

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

    it('get byte-for-byte the response (or the error) ws gives without the instrumentation', async () => {
      const [withIt, without] = await Promise.all([instrumented, bare]);
      assert.equal(Object.keys(without.responses).length, 11);
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
        // verifyClient said no with 403, to a TCP socket and to a wrapping stream
        [key({ 'error.type': '403' })]: 2,
        // the one that worked and the one an async verifyClient let in; bytes
        // that are not HTTP never reach ws, so are not counted
        [key({})]: 2,
        // the async verifyClient said no with 401
        [key({ 'error.type': '401' })]: 1,
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

    it('last until an async verifyClient answers', async () => {
      const { metrics } = await instrumented;
      // Two successes, one of them held 40 ms by verifyClient; the refusal was
      // held as long. (A Node timer may fire a millisecond early: its start is
      // the loop's cached time.)
      const atLeast = 0.035;
      const ok = point(metrics!, 'websocket.server.handshake.duration', {});
      assert.ok(ok.sum! >= atLeast && ok.sum! < 1, `successes took ${ok.sum} s in all`);
      const refused = point(metrics!, 'websocket.server.handshake.duration', {
        'error.type': '401',
      });
      assert.ok(refused.sum! >= atLeast && refused.sum! < 1, `the refusal took ${refused.sum} s`);
    });

    it('are counted on the client: refused connects and non-101 answers', async () => {
      const { metrics } = await instrumented;
      assert.deepEqual(histogramCounts(metrics!, 'websocket.client.handshake.duration'), {
        // the clients that got in, to the sync and to the async verifyClient
        [key({})]: 2,
        [key({ 'error.type': 'ECONNREFUSED' })]: 1,
        [key({ 'error.type': 'unexpected_response', 'http.response.status_code': 401 })]: 1,
      });
    });

    it('leave no connection behind', async () => {
      const { metrics } = await instrumented;
      assert.deepEqual(histogramCounts(metrics!, 'websocket.server.connection.duration'), {
        [key({ 'websocket.close.code': 1005, 'websocket.close.initiator': 'client' })]: 2,
      });
    });
  });
}
