/**
 * idle: 10,000 open connections doing nothing. Measures the server's heap
 * (after full collection) and RSS per connection, against the same process
 * before any connection opened.
 */
import { openConnections, startLoaders, stopAll } from '../processes.mjs';
import { COMPARED_VARIANTS, comparisonRow } from './compare.mjs';

export default {
  name: 'idle',
  variants: COMPARED_VARIANTS,

  params(quick) {
    return {
      connections: quick ? 1000 : 10000,
      settleMs: quick ? 500 : 2000,
      loaders: 2,
      addresses: 4,
    };
  },

  async run(server, p) {
    const before = await server.call('memory', { settleMs: 200 });
    const loaders = await startLoaders('load-connections.mjs', p.loaders, p.addresses);
    try {
      await openConnections(server, loaders, p.connections);
      const after = await server.call('memory', { settleMs: p.settleMs });
      if (after.clients !== p.connections) {
        throw new Error(`${after.clients} of ${p.connections} connections open`);
      }
      return {
        heapPerConnection: (after.heapUsed - before.heapUsed) / p.connections,
        rssPerConnection: (after.rss - before.rss) / p.connections,
        externalPerConnection: (after.external - before.external) / p.connections,
        before,
        after,
      };
    } finally {
      await stopAll(loaders);
    }
  },

  summarise(rounds) {
    return {
      rows: [
        comparisonRow(rounds, {
          key: 'heapPerConnection',
          metric: 'heap per connection',
          unit: 'B',
          digits: 0,
          compare: 'delta',
          target: { text: '≤ bare + 256 B', limit: 256 },
        }),
        comparisonRow(rounds, {
          key: 'rssPerConnection',
          metric: 'RSS per connection',
          unit: 'B',
          digits: 0,
          compare: 'delta',
        }),
      ],
    };
  },
};
