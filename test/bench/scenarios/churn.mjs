/**
 * churn: 6,000 connections opened and closed (by the client) in batches of
 * 100, after 3,000 unmeasured. Measures server CPU and heap allocation per
 * connection: upgrade, open, close. Variants run side by side, the batches
 * alternated between them in slices (interleave.mjs); `run` measures one
 * variant alone (profiling).
 */
import { startLoaders, stopAll } from '../processes.mjs';
import { COMPARED_VARIANTS, comparisonRow, loadCheck } from './compare.mjs';
import { measuredBy } from './interleave.mjs';

/** A server with its own client process, warmed up: one per variant. */
async function setUp(variant, server, p) {
  const [loader] = await startLoaders('load-connections.mjs', 1, p.addresses);
  const rig = { variant, server, loaders: [loader], opened: 0, failures: 0, closedSoFar: 0 };
  try {
    await churn(rig, p.warmup, p);
    rig.before = await server.call('memory', {});
  } catch (error) {
    await stopAll([loader]);
    throw error;
  }
  rig.opened = 0;
  rig.failures = 0;
  return rig;
}

/** Opens and closes `total` connections in batches; waits until the server saw every close. */
async function churn(rig, total, p) {
  const load = await rig.loaders[0].call('churn', {
    url: rig.server.url,
    total,
    batch: p.batch,
    addresses: rig.loaders[0].addresses,
  });
  rig.opened += load.opened;
  rig.failures += load.failures;
  rig.closedSoFar += total;
  // The server may still be finishing the last closes when the client has seen them.
  await rig.server.call('waitFor', { targets: { closed: rig.closedSoFar } });
}

async function result(rig, window, p) {
  const after = await rig.server.call('memory', { settleMs: 200 });
  if (rig.failures > 0 || window.counts.opened !== p.connections) {
    throw new Error(
      `server opened ${window.counts.opened} of ${p.connections}; ${rig.failures} client errors`,
    );
  }
  return {
    cpuPerConnectionUs: window.cpuUs / window.counts.opened,
    mainThreadPerConnectionUs: window.mainThreadUs / window.counts.opened,
    allocatedPerConnection: window.allocatedBytes / window.counts.opened,
    // Heap left behind by connections that have all closed: should be none.
    retainedHeapPerConnection: (after.heapUsed - rig.before.heapUsed) / window.counts.opened,
    eventLoopUtilization: window.eventLoopUtilization,
    window,
  };
}

const measured = measuredBy({ setUp, work: churn, result, units: (p) => p.connections });

export default {
  name: 'churn',
  variants: COMPARED_VARIANTS,

  params(quick) {
    return {
      connections: quick ? 500 : 6000,
      batch: 100,
      // Long enough for V8 to have compiled what runs once per connection (ws's,
      // Node's, the hooks', the SDK's). Counted under valgrind, the instrumented
      // server ran 39,000 instructions per connection more than bare after a
      // 300-connection warm-up (the rest of it compiling and collecting), and
      // a steady 18,000 more after 3,000.
      warmup: quick ? 100 : 3000,
      // Each variant gets the batches in this many turns, alternated with the others.
      slices: quick ? 4 : 10,
      addresses: 4,
    };
  },

  ...measured,

  summarise(rounds) {
    return {
      rows: [
        comparisonRow(rounds, {
          key: 'cpuPerConnectionUs',
          metric: 'server CPU per connection',
          unit: 'µs',
          digits: 1,
          compare: 'ratio',
          target: { text: '≤ 1.10', limit: 1.1 },
        }),
        comparisonRow(rounds, {
          key: 'mainThreadPerConnectionUs',
          metric: 'main thread only (no GC or compiler threads)',
          unit: 'µs',
          digits: 3,
          compare: 'ratio',
        }),
        comparisonRow(rounds, {
          key: 'allocatedPerConnection',
          metric: 'heap allocated per connection (counted by V8, not sampled)',
          unit: 'B',
          digits: 0,
          compare: 'delta',
        }),
        comparisonRow(rounds, {
          key: 'retainedHeapPerConnection',
          metric: 'heap retained per closed connection',
          unit: 'B',
          digits: 0,
          compare: 'delta',
        }),
      ],
      check: loadCheck(rounds, {
        scenario: 'churn',
        key: 'cpuPerConnectionUs',
        what: 'CPU/connection',
      }),
    };
  },
};
