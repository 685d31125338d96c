import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';

type Summary = Record<string, number | [number, number]>;

describe('broadcasts', () => {
  const run = runFixture<{
    steps: Record<string, Summary>;
    helperResult: { sent: number; skipped: number; failed: number; durationMs: number };
  }>(['broadcast.cjs'], { timeoutMs: 120000 });

  it('a loop over wss.clients with 1,000 clients is one broadcast with 1,000 recipients', async () => {
    const { steps } = await run;
    assert.deepEqual(steps['one loop, one payload'], {
      'recipients:success': [1, 1000],
      'duration:success': 1,
    });
  });

  it('two different payloads in one run are two broadcasts', async () => {
    const { steps } = await run;
    assert.deepEqual(steps['two payloads in one run']!['recipients:success'], [3, 3000]);
  });

  it('a single send, and sends spread over separate turns, are none', async () => {
    const { steps } = await run;
    assert.deepEqual(steps['single send'], steps['two payloads in one run']);
    assert.deepEqual(steps['sends over separate turns'], steps['two payloads in one run']);
  });

  it('a loop where 10 sockets are closing reads partial with the right counts', async () => {
    const { steps } = await run;
    assert.deepEqual(steps['ten sockets closing']!['recipients:partial'], [1, 990]);
    assert.deepEqual(steps['ten sockets closing']!['recipients:success'], [3, 3000]);
  });

  it('an empty message to open and closing sockets is one broadcast too', async () => {
    const { steps } = await run;
    // ws hands open sockets' Senders its shared empty buffer, the closing ones get ''.
    assert.deepEqual(steps['empty payload, ten sockets closing']!['recipients:partial'], [2, 1970]);
    assert.equal(steps['empty payload, ten sockets closing']!['recipients:failure'], undefined);
  });

  it('broadcast() sends to open sockets the filter keeps, and records one broadcast', async () => {
    const { steps, helperResult } = await run;
    // 1,000 sockets: 10 closing, 1 refused by the filter.
    assert.equal(helperResult.sent, 989);
    assert.equal(helperResult.skipped, 11);
    assert.equal(helperResult.failed, 0);
    assert.ok(helperResult.durationMs >= 0);
    assert.deepEqual(steps['broadcast() helper']!['recipients:success'], [4, 3989]);
    assert.deepEqual(steps['broadcast() helper']!['recipients:partial'], [1, 990]);
  });
});

describe('backpressure', () => {
  it('a client that stops reading is backpressured until it reads again', async () => {
    const result = await runFixture<{
      threshold: number;
      before: { queued: number; backpressured: number };
      whileSlow: { queued: number; backpressured: number; bufferedAmount: number };
      afterReading: { queued: number; backpressured: number };
    }>(['backpressure.cjs']);
    assert.deepEqual(result.before, { queued: 0, backpressured: 0 });
    assert.equal(result.whileSlow.backpressured, 1);
    assert.equal(result.whileSlow.queued, result.whileSlow.bufferedAmount);
    assert.ok(result.whileSlow.queued >= 2 * result.threshold);
    assert.deepEqual(result.afterReading, { queued: 0, backpressured: 0 });
  });
});
