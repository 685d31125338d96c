import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runApp } from './run-app.mts';
import { assertMetricsMatchWire, seriesOf, total } from './wire.mts';

const N = 6;
const MANY = 1000;

describe('socket.io 4 (engine.io over ws)', () => {
  const bare = runApp('socketio.cjs', { instrumented: false, clients: N });
  const instrumented = bare.then(() => runApp('socketio.cjs', { instrumented: true, clients: N }));

  it('the app sees the same run with and without the instrumentation', async () => {
    const [a, b] = [await bare, await instrumented];
    assert.deepEqual(b.app, a.app);
    assert.equal(b.stderr, '');
    // Clients: welcomed, acked, the broadcast; a third each leave, are closed by
    // the server's engine.io, lose their connection; one is refused.
    assert.deepEqual(a.app, {
      server: {
        hello: N,
        chat: 3 * N,
        binary: N,
        disconnects: {
          'client namespace disconnect': N / 3,
          'forced close': N / 3,
          'transport close': N / 3,
        },
      },
      clients: {
        welcome: N,
        acks: 3 * N,
        news: N,
        disconnects: { 'io client disconnect': N / 3, 'transport close': (2 * N) / 3 },
        connectErrors: ['websocket error'],
      },
    });
  });

  it('every metric equals the frames on the wire, on the server and the client side', async () => {
    const { samples, relay } = await instrumented;
    assertMetricsMatchWire(samples, relay);
    // engine.io's pings and pongs are text messages on the wire ("2" and "3").
    assert.ok(relay.serverSent.text.messages > 0);
  });

  it('io.emit is one broadcast to every client', async () => {
    const { samples } = await instrumented;
    assert.equal(total(samples, 'websocket_server_broadcast_recipients_count'), 1);
    assert.equal(total(samples, 'websocket_server_broadcast_recipients_sum'), N);
  });

  it('a refusal by allowRequest is seen by the client, not by the server', async () => {
    const { samples, relay } = await instrumented;
    assert.deepEqual(relay.upgradeStatuses, { 101: N, 400: 1 });
    assert.equal(
      total(samples, 'websocket_client_handshake_duration_count', {
        error_type: 'unexpected_response',
        http_response_status_code: '400',
      }),
      1,
    );
    assert.equal(
      total(samples, 'websocket_server_handshake_duration_count'),
      N,
      'the server saw only the upgrades ws handled',
    );
  });

  it(`io.emit to ${MANY} clients: one broadcast, ${MANY} recipients, every frame counted, the same series`, async () => {
    const { samples: few } = await instrumented;
    const many = await runApp<{ clients: { news: number } }>('socketio.cjs', {
      instrumented: true,
      clients: MANY,
      timeoutMs: 120000,
    });
    assert.equal(many.app.clients.news, MANY);
    assert.equal(total(many.samples, 'websocket_server_broadcast_recipients_count'), 1);
    assert.equal(total(many.samples, 'websocket_server_broadcast_recipients_sum'), MANY);
    assertMetricsMatchWire(many.samples, many.relay);
    assert.deepEqual(seriesOf(many.samples), seriesOf(few));
  });
});
