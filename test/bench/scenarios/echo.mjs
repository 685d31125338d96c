/**
 * echo: 100 connections, 64-byte text messages, 32 in flight per connection.
 * Measures the server's CPU time per echoed message (one receive, one send).
 */
import { startLoaders, stopAll } from '../processes.mjs';
import { COMPARED_VARIANTS, comparisonRow, loadCheck } from './compare.mjs';

export default {
  name: 'echo',
  variants: COMPARED_VARIANTS,

  params(quick) {
    return {
      connections: 100,
      size: 64,
      inFlight: 32,
      messages: quick ? 30000 : 300000,
      // Unmeasured first, so the JIT has settled when the window opens.
      warmup: quick ? 5000 : 30000,
      addresses: 2,
    };
  },

  async run(server, p) {
    // One generator: with two cores, a second would compete with the server for CPU.
    const [loader] = await startLoaders('load-echo.mjs', 1, p.addresses);
    try {
      await loader.call('open', {
        url: server.url,
        count: p.connections,
        addresses: loader.addresses,
      });
      const workload = { inFlight: p.inFlight, size: p.size };
      await loader.call('run', { ...workload, messages: p.warmup });
      await server.call('begin');
      const load = await loader.call('run', { ...workload, messages: p.messages });
      const window = await server.call('end');
      if (window.counts.received !== p.messages) {
        throw new Error(`server saw ${window.counts.received} of ${p.messages} messages`);
      }
      return {
        cpuPerMessageUs: window.cpuUs / window.counts.received,
        messagesPerSecond: (window.counts.received / window.wallMs) * 1000,
        eventLoopUtilization: window.eventLoopUtilization,
        loaderCpuShare: load.cpuUs / (load.wallMs * 1000),
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
          key: 'cpuPerMessageUs',
          metric: 'server CPU per message',
          unit: 'µs',
          digits: 3,
          compare: 'ratio',
          target: { text: '≤ 1.03', limit: 1.03 },
        }),
      ],
      check: loadCheck(rounds, { scenario: 'echo', key: 'cpuPerMessageUs', what: 'CPU/message' }),
    };
  },
};
