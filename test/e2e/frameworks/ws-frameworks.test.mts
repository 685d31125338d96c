import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runApp } from './run-app.mts';
import { assertMetricsMatchWire, total } from './wire.mts';

const N = 6;

/** An app's account of a chat run: its server's and its clients' (apps/chat.cjs). */
type ChatRun = { server: unknown; clients: unknown };

/** What the chat workload's apps see (chat.cjs), the same for every framework. */
function expectedChat(refused: string[]) {
  return {
    server: {
      hello: N,
      chat: 3 * N,
      blob: N,
      // A third closed with 1000, a third closed by the server with 4000 (the
      // client's echo carries it), a third cut by the relay: no close frame.
      closes: { 1000: N / 3, 1006: N / 3, 4000: N / 3 },
    },
    clients: {
      welcome: N,
      echo: 3 * N,
      news: N,
      closes: { 1000: N / 3, 1006: N / 3, 4000: N / 3 },
      errors: [],
      refused,
    },
  };
}

const FRAMEWORKS = [
  { name: 'express-ws 5 (ws 7 underneath)', file: 'express-ws.cjs', refused: [] },
  {
    name: '@fastify/websocket 11',
    file: 'fastify.cjs',
    refused: ['Unexpected server response: 401'],
  },
  { name: 'NestJS 12 with @nestjs/platform-ws', file: 'nest.cjs', refused: [] },
];

for (const framework of FRAMEWORKS) {
  describe(framework.name, () => {
    const bare = runApp<ChatRun>(framework.file, { instrumented: false, clients: N });
    const instrumented = bare.then(() =>
      runApp<ChatRun>(framework.file, { instrumented: true, clients: N }),
    );

    it('the app sees the same run with and without the instrumentation', async () => {
      const [a, b] = [await bare, await instrumented];
      assert.deepEqual(b.app, a.app);
      assert.equal(b.stderr, '');
      assert.deepEqual(
        { server: a.app.server, clients: a.app.clients },
        expectedChat(framework.refused),
      );
    });

    it('every metric equals the frames on the wire, on the server and the client side', async () => {
      const { samples, relay } = await instrumented;
      assertMetricsMatchWire(samples, relay);
    });

    it('the loop over the server clients is one broadcast to every client', async () => {
      const { samples } = await instrumented;
      assert.equal(total(samples, 'websocket_server_broadcast_recipients_count'), 1);
      assert.equal(total(samples, 'websocket_server_broadcast_recipients_sum'), N);
    });

    if (framework.refused.length > 0) {
      it('an upgrade refused in an onRequest hook is seen by the client, not by the server', async () => {
        const { samples, relay } = await instrumented;
        assert.deepEqual(relay.upgradeStatuses, { 101: N, 401: 1 });
        assert.equal(
          total(samples, 'websocket_client_handshake_duration_count', {
            error_type: 'unexpected_response',
            http_response_status_code: '401',
          }),
          1,
        );
        assert.equal(total(samples, 'websocket_server_handshake_duration_count'), N);
      });
    }
  });
}
