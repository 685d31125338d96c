/**
 * echo: 100 connections, 64-byte text messages, 32 in flight per connection.
 * Measures the server's CPU time per echoed message (one receive, one send).
 * Variants run side by side, the messages alternated between them in slices
 * (interleave.mjs); `run` measures one variant alone (profiling).
 */
import { startLoaders, stopAll } from '../processes.mjs';
import { COMPARED_VARIANTS, comparisonRow, loadCheck } from './compare.mjs';
import { measuredBy } from './interleave.mjs';

/** A server with its echo clients connected and warmed up: one per variant. */
async function setUp(variant, server, p) {
  // One generator per server, and only one busy at a time: with two cores, a
  // second busy one would compete with the server for CPU.
  const [loader] = await startLoaders('load-echo.mjs', 1, p.addresses);
  const rig = { variant, server, loaders: [loader], loaderCpuUs: 0, loaderWallMs: 0 };
  try {
    await loader.call('open', {
      url: server.url,
      count: p.connections,
      addresses: loader.addresses,
    });
    await echo(rig, p.warmup, p);
  } catch (error) {
    await stopAll([loader]);
    throw error;
  }
  rig.loaderCpuUs = 0;
  rig.loaderWallMs = 0;
  return rig;
}

async function echo(rig, messages, p) {
  const load = await rig.loaders[0].call('run', { inFlight: p.inFlight, size: p.size, messages });
  rig.loaderCpuUs += load.cpuUs;
  rig.loaderWallMs += load.wallMs;
}

function result(rig, window, p) {
  if (window.counts.received !== p.messages) {
    throw new Error(`server saw ${window.counts.received} of ${p.messages} messages`);
  }
  return {
    cpuPerMessageUs: window.cpuUs / window.counts.received,
    mainThreadPerMessageUs: window.mainThreadUs / window.counts.received,
    allocatedPerMessage: window.allocatedBytes / window.counts.received,
    messagesPerSecond: (window.counts.received / window.wallMs) * 1000,
    eventLoopUtilization: window.eventLoopUtilization,
    loaderCpuShare: rig.loaderCpuUs / (rig.loaderWallMs * 1000),
    window,
  };
}

const measured = measuredBy({ setUp, work: echo, result, units: (p) => p.messages });

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
      // Each variant gets the messages in this many turns, alternated with the others.
      slices: quick ? 4 : 10,
      addresses: 2,
    };
  },

  ...measured,

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
        comparisonRow(rounds, {
          key: 'mainThreadPerMessageUs',
          metric: 'main thread only (no GC or compiler threads)',
          unit: 'µs',
          digits: 3,
          compare: 'ratio',
        }),
        comparisonRow(rounds, {
          key: 'allocatedPerMessage',
          metric: 'heap allocated per message (counted by V8, not sampled)',
          unit: 'B',
          digits: 1,
          compare: 'delta',
        }),
      ],
      check: loadCheck(rounds, { scenario: 'echo', key: 'cpuPerMessageUs', what: 'CPU/message' }),
    };
  },
};
