import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFixture } from './helpers/child.mts';

describe('series and attribute values stay bounded', () => {
  const run = runFixture<{
    seriesAfterFive: number;
    seriesAfterMany: number;
    valuesAfterFive: string[];
    valuesAfterMany: string[];
    handshakes: number;
  }>(['series-bound.cjs'], { timeoutMs: 120000 });

  it('has as many series after 5,005 connections as after 5', async () => {
    const result = await run;
    assert.equal(result.handshakes, 5005);
    assert.ok(result.seriesAfterFive > 20, 'the first collection is suspiciously small');
    assert.equal(result.seriesAfterMany, result.seriesAfterFive);
  });

  it('never puts a client-chosen value into an attribute', async () => {
    const { valuesAfterMany } = await run;
    for (const value of valuesAfterMany) {
      assert.doesNotMatch(value, /SECRET|user-|agent-|10\.9\.|127\.0\.0\.|\?/, value);
    }
    // Everything that is there comes from the catalogue or the server's own path option.
    const catalogue = new Set([
      '/chat',
      '1000',
      '1006',
      '4xxx',
      'binary',
      'client',
      'connection_lost',
      'degraded',
      'healthy',
      'none',
      'terminated',
      'text',
      'unresponsive',
    ]);
    assert.deepEqual(
      valuesAfterMany.filter((v) => !catalogue.has(v)),
      [],
    );
  });
});

describe('websocket.route', () => {
  it('folds routes past maxRoutes into other, and survives a hook that throws', async () => {
    const { active } = await runFixture<{ active: Array<[string | null, number]> }>(['routes.cjs']);
    assert.deepEqual(
      Object.fromEntries(active.map(([route, value]) => [route ?? '(none)', value])),
      { '(none)': 1, '/a': 2, '/b': 1, '/c': 1, other: 2 },
    );
  });
});
