import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runApp } from './run-app.mts';
import { assertMetricsMatchWire, total } from './wire.mts';

const N = 6;

describe('graphql-ws 6 (graphql 17) on ws', () => {
  const bare = runApp('graphql-ws.cjs', { instrumented: false, clients: N });
  const instrumented = bare.then(() =>
    runApp('graphql-ws.cjs', { instrumented: true, clients: N }),
  );

  it('the app sees the same run with and without the instrumentation', async () => {
    const [a, b] = [await bare, await instrumented];
    assert.deepEqual(b.app, a.app);
    assert.equal(b.stderr, '');
    assert.deepEqual(a.app, {
      server: {
        connects: N,
        subscribes: 2 * N,
        closes: { 1000: N / 3, 1006: N / 3, 4000: N / 3 },
      },
      clients: {
        hello: Array.from({ length: N }, (_, i) => `hello ${i}`),
        news: 2 * N,
        closes: { 1000: N / 3, 1006: N / 3, 4000: N / 3 },
        // The closes the clients did not ask for end their subscriptions with an error.
        unexpectedCloses: [...Array(N / 3).fill(1006), ...Array(N / 3).fill(4000)],
        errors: (2 * N) / 3,
      },
    });
  });

  it("every metric equals the frames on the wire, connection_init sent in 'open' included", async () => {
    const { samples, relay } = await instrumented;
    assertMetricsMatchWire(samples, relay);
  });

  it('a subscription event is one frame per subscriber (its own id), not a broadcast', async () => {
    const { samples } = await instrumented;
    assert.equal(total(samples, 'websocket_server_broadcast_recipients_count'), 0);
  });
});
