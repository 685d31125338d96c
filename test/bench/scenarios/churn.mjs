/**
 * churn: 3,000 connections opened and closed (by the client) in batches of
 * 100. Measures server CPU per connection: upgrade, open, close.
 */
import { startLoaders, stopAll } from '../processes.mjs';
import { COMPARED_VARIANTS, comparisonRow, loadCheck } from './compare.mjs';

export default {
  name: 'churn',
  variants: COMPARED_VARIANTS,

  params(quick) {
    return {
      connections: quick ? 500 : 3000,
      batch: 100,
      warmup: quick ? 100 : 300,
      addresses: 4,
    };
  },

  async run(server, p) {
    const [loader] = await startLoaders('load-connections.mjs', 1, p.addresses);
    try {
      const churn = (total) =>
        loader.call('churn', {
          url: server.url,
          total,
          batch: p.batch,
          addresses: loader.addresses,
        });
      await churn(p.warmup);
      await server.call('waitFor', { targets: { closed: p.warmup } });
      const before = await server.call('memory', {});
      await server.call('begin');
      const load = await churn(p.connections);
      // The server may still be finishing the last closes when the client has seen them.
      await server.call('waitFor', { targets: { closed: p.warmup + p.connections } });
      const window = await server.call('end');
      const after = await server.call('memory', { settleMs: 200 });
      if (load.failures > 0 || window.counts.opened !== p.connections) {
        throw new Error(
          `server opened ${window.counts.opened} of ${p.connections}; ${load.failures} client errors`,
        );
      }
      return {
        cpuPerConnectionUs: window.cpuUs / window.counts.opened,
        // Heap left behind by connections that have all closed: should be none.
        retainedHeapPerConnection: (after.heapUsed - before.heapUsed) / window.counts.opened,
        eventLoopUtilization: window.eventLoopUtilization,
        window,
      };
    } finally {
      await stopAll([loader]);
    }
  },

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
