import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';

describe('nothing is retained across many connections', () => {
  it('20 rounds of 1,000 connections (clean, abrupt, slow readers): heap flat, registry empty, every socket collected', async () => {
    const r = await runFixture<{
      opened: number;
      closes: number;
      finalized: number;
      leftovers: number;
      maxQueued: number;
      records: number;
      queued: number;
      growth: number;
    }>(['--expose-gc', 'leak-rounds.cjs', '20', '1000'], { timeoutMs: 300000 });
    // 21 rounds: one to warm up, then the 20 measured.
    assert.equal(r.opened, 21000);
    assert.equal(r.closes, 21000);
    // Slow readers did leave data queued (the list was in use) ...
    assert.ok(r.maxQueued >= 1, 'no slow reader was ever listed as queued');
    // ... and nothing stayed listed after any round, with no collection in between.
    assert.equal(r.leftovers, 0);
    assert.equal(r.records, 0);
    assert.equal(r.queued, 0);
    // Every server socket became unreachable: none is held by the instrumentation.
    assert.equal(r.finalized, r.opened);
    assert.ok(
      Math.abs(r.growth) < 0.05,
      `heap grew ${(r.growth * 100).toFixed(1)}% from round one`,
    );
  });
});
