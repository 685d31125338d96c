/**
 * broadcast: 2,000 connections; the server fans a 128-byte JSON string out to
 * every client in a loop over wss.clients. Measures server CPU per send.
 * Variants run side by side, the broadcasts alternated between them in
 * slices (interleave.mjs); `run` measures one variant alone (profiling).
 */
import { openConnections, startLoaders, stopAll } from '../processes.mjs';
import { COMPARED_VARIANTS, comparisonRow, loadCheck } from './compare.mjs';
import { measuredBy } from './interleave.mjs';

/** A server with its receivers connected and warmed up: one per variant. */
async function setUp(variant, server, p) {
  const loaders = await startLoaders('load-connections.mjs', p.loaders, p.addresses);
  const rig = { variant, server, loaders };
  try {
    await openConnections(server, loaders, p.connections);
    await fanOut(rig, p.warmup, p);
  } catch (error) {
    await stopAll(loaders);
    throw error;
  }
  return rig;
}

/** `times` broadcasts, resolved when every receiver got every one. */
async function fanOut(rig, times, p) {
  await Promise.all([
    rig.server.call('broadcast', { times, size: p.size, intervalMs: p.intervalMs }),
    ...rig.loaders.map((loader) => loader.call('waitForMessages', { each: times })),
  ]);
}

function result(_rig, window, p) {
  const expected = p.connections * p.broadcasts;
  if (window.counts.sent !== expected) {
    throw new Error(`server sent ${window.counts.sent} of ${expected} messages`);
  }
  return {
    cpuPerSendUs: window.cpuUs / window.counts.sent,
    mainThreadPerSendUs: window.mainThreadUs / window.counts.sent,
    allocatedPerSend: window.allocatedBytes / window.counts.sent,
    eventLoopUtilization: window.eventLoopUtilization,
    window,
  };
}

const measured = measuredBy({ setUp, work: fanOut, result, units: (p) => p.broadcasts });

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
      // Each variant gets the broadcasts in this many turns, alternated with the others.
      slices: quick ? 4 : 10,
      loaders: 2,
      addresses: 2,
    };
  },

  ...measured,

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
        comparisonRow(rounds, {
          key: 'mainThreadPerSendUs',
          metric: 'main thread only (no GC or compiler threads)',
          unit: 'µs',
          digits: 3,
          compare: 'ratio',
        }),
        comparisonRow(rounds, {
          key: 'allocatedPerSend',
          metric: 'heap allocated per send (counted by V8, not sampled)',
          unit: 'B',
          digits: 1,
          compare: 'delta',
        }),
      ],
      check: loadCheck(rounds, { scenario: 'broadcast', key: 'cpuPerSendUs', what: 'CPU/send' }),
    };
  },
};
