/**
 * broadcast: 2,000 connections; the server fans a 128-byte JSON string out to
 * every client in a loop over wss.clients. Measures server CPU per send.
 */
import { openConnections, startLoaders, stopAll } from '../processes.mjs';
import { COMPARED_VARIANTS, comparisonRow, loadCheck } from './compare.mjs';

export default {
  name: 'broadcast',
  variants: COMPARED_VARIANTS,

  params(quick) {
    return {
      connections: quick ? 500 : 2000,
      size: 128,
      broadcasts: quick ? 40 : 200,
      warmup: quick ? 5 : 20,
      // Paced so receivers keep up and sends go straight to the kernel, as in a live app.
      intervalMs: 10,
      loaders: 2,
      addresses: 2,
    };
  },

  async run(server, p) {
    const loaders = await startLoaders('load-connections.mjs', p.loaders, p.addresses);
    try {
      await openConnections(server, loaders, p.connections);
      const fanOut = async (times) => {
        await Promise.all([
          server.call('broadcast', { times, size: p.size, intervalMs: p.intervalMs }),
          ...loaders.map((loader) => loader.call('waitForMessages', { each: times })),
        ]);
      };
      await fanOut(p.warmup);
      await server.call('begin');
      await fanOut(p.broadcasts);
      const window = await server.call('end');
      const expected = p.connections * p.broadcasts;
      if (window.counts.sent !== expected) {
        throw new Error(`server sent ${window.counts.sent} of ${expected} messages`);
      }
      return {
        cpuPerSendUs: window.cpuUs / window.counts.sent,
        eventLoopUtilization: window.eventLoopUtilization,
        window,
      };
    } finally {
      await stopAll(loaders);
    }
  },

  summarise(rounds) {
    return {
      rows: [
        comparisonRow(rounds, {
          key: 'cpuPerSendUs',
          metric: 'server CPU per send',
          unit: 'µs',
          digits: 3,
          compare: 'ratio',
          target: { text: '≤ 1.03', limit: 1.03 },
        }),
      ],
      check: loadCheck(rounds, { scenario: 'broadcast', key: 'cpuPerSendUs', what: 'CPU/send' }),
    };
  },
};
