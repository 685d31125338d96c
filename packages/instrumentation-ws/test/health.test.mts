import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';

// Bodies are whatever JSON.parse gave; the assertions below say what shape they must have.
type Json = ReturnType<typeof JSON.parse>;

interface Answer {
  status: number;
  body: Json;
}

describe('health endpoints on the app’s own server', () => {
  const run = runFixture<Record<string, Answer>>(['health.cjs'], {
    env: { HEALTH_CASE: 'endpoints' },
  });

  it('leave the app’s own paths alone', async () => {
    assert.deepEqual((await run).app, { status: 200, body: 'the app' });
  });

  it('/livez answers while the loop turns; /readyz is 503 while disabled', async () => {
    const r = await run;
    assert.equal(r.livez!.status, 200);
    assert.deepEqual(r.readyz, { status: 200, body: 'ready\n' });
    assert.deepEqual(r.readyzDisabled, {
      status: 503,
      body: 'not ready: instrumentation disabled\n',
    });
  });

  it('/healthz turns unhealthy (503) past the unresponsive share, and healthy again', async () => {
    const r = await run;
    assert.equal(r.healthz!.status, 503);
    assert.equal(r.healthz!.body.status, 'unhealthy');
    assert.equal(r.healthz!.body.checks.unresponsiveShare.value, 0.25);
    assert.equal(r.healthz!.body.checks.unresponsiveShare.status, 'unhealthy');
    assert.equal(r.healthz!.body.checks.heartbeatRttP95Seconds.status, 'healthy');
    assert.equal(r.healthzAfter!.status, 200);
    assert.equal(r.healthzAfter!.body.status, 'healthy');
  });

  it('/stats summarises connections, rates, round trips and timeouts', async () => {
    const { body } = (await run).stats!;
    assert.deepEqual(body.server.connections, {
      total: 4,
      healthy: 3,
      degraded: 0,
      unresponsive: 1,
    });
    assert.deepEqual(body.server.routes, { '/chat': 4 });
    assert.ok(body.server.messagesReceivedPerSecond > 0);
    assert.ok(body.server.heartbeatTimeouts >= 1);
    assert.equal(body.heartbeat.mode, 'active');
    assert.ok(body.heartbeat.rttSeconds.p50 > 0);
    assert.ok(body.heartbeat.rttSeconds.p99 >= body.heartbeat.rttSeconds.p50);
    assert.equal(typeof body.eventLoop.delayP99Ms, 'number');
  });

  it('never identify a client', async () => {
    const text = JSON.stringify(await run);
    assert.doesNotMatch(text, /SECRET|alice|127\.0\.0\.1|agent/);
  });
});

describe('drain()', () => {
  it('closes 1,000 connections with 1001, ends the stuck ones, and loses none', async () => {
    const r = await runFixture<Record<string, Json>>(['health.cjs'], {
      env: { HEALTH_CASE: 'drain' },
      timeoutMs: 60000,
    });
    assert.equal(r.readyzBefore.status, 200);
    assert.deepEqual(r.readyzDuring, { status: 503, body: 'not ready: draining\n' });
    assert.equal(r.readyzAfter.status, 503);
    assert.equal(r.result.closed, 1000);
    assert.equal(r.result.terminated, 5);
    assert.ok(r.result.durationMs >= 1500);
    assert.equal(r.clientCodes['1001'], 1000);
    assert.deepEqual(
      Object.fromEntries(
        r.closes.map(([attributes, count]: [object, number]) => [
          JSON.stringify(attributes),
          count,
        ]),
      ),
      {
        [JSON.stringify({
          'websocket.close.code': 1001,
          'websocket.close.initiator': 'server',
          'websocket.route': '/chat',
        })]: 1000,
        [JSON.stringify({
          'websocket.close.code': 1006,
          'websocket.close.initiator': 'server',
          'websocket.route': '/chat',
          'error.type': 'terminated',
        })]: 5,
      },
    );
    assert.ok(r.active.every((value: number) => value === 0));
  });
});
