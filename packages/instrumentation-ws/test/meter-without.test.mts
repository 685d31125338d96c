// register starts runtime-node's metrics through a meter that leaves out the
// one whose collection walks every handle (v8js.resource.active): here with a
// real SDK MeterProvider; sdk-compose.test.mts checks register's own export.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { meterProviderWithout } from '../dist/zero-code/meter-without.js';

const require = createRequire(import.meta.url);
const { createHarness } = require('./fixtures/harness.cjs');

describe('a meter provider without some instruments', () => {
  it('never runs a callback that only observes what is left out, and passes the rest through', async () => {
    const harness = createHarness();
    const meter = meterProviderWithout(harness.provider, new Set(['walks.everything'])).getMeter(
      'test',
    );
    const costly = meter.createObservableGauge('walks.everything');
    const kept = meter.createObservableCounter('counts.cheaply');
    const gauge = meter.createObservableGauge('reads.one.number');
    let costlyCalls = 0;
    let mixedCalls = 0;
    meter.addBatchObservableCallback(() => {
      costlyCalls++;
    }, [costly]);
    meter.addBatchObservableCallback(
      (result) => {
        mixedCalls++;
        result.observe(costly, 1);
        result.observe(kept, 7);
      },
      [costly, kept],
    );
    gauge.addCallback((result) => result.observe(3));
    const counter = meter.createCounter('adds');
    counter.add(2);

    const metrics = await harness.collect();
    assert.equal(costlyCalls, 0);
    assert.equal(mixedCalls, 1);
    assert.deepEqual(Object.keys(metrics).sort(), ['adds', 'counts.cheaply', 'reads.one.number']);
    assert.equal(metrics['counts.cheaply'].points[0].value, 7);
    assert.equal(metrics['reads.one.number'].points[0].value, 3);
    assert.equal(metrics.adds.points[0].value, 2);
  });
});
