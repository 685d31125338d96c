/**
 * Interleaved measurement for the CPU-per-unit scenarios (echo, broadcast,
 * churn).
 * On these shared two-core machines the speed of the whole machine drifts by
 * several percent within seconds, so measuring one variant after another,
 * even within a round, leaves that drift in the ratio. Here every variant's
 * server is up at once, each with its own load generators, and the workload
 * is cut into slices run A, B, C, D, then B, C, D, A, and so on: each
 * variant's CPU is summed over slices spread across the whole round, so
 * drift lands on all of them alike.
 */
import { share, stopAll } from '../processes.mjs';

/** `items` rotated left by `shift`. */
export function rotate(items, shift) {
  const k = shift % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** An empty sum of server measurement windows (see server.mjs `end`). */
function emptyTotal() {
  return {
    cpuUs: 0,
    mainThreadUs: 0,
    allocatedBytes: 0,
    wallMs: 0,
    busyMs: 0,
    slices: 0,
    counts: {},
  };
}

function addWindow(total, window) {
  total.cpuUs += window.cpuUs;
  total.mainThreadUs += window.mainThreadUs;
  total.allocatedBytes += window.allocatedBytes;
  total.wallMs += window.wallMs;
  total.busyMs += window.eventLoopUtilization * window.wallMs;
  total.slices++;
  for (const [name, value] of Object.entries(window.counts)) {
    total.counts[name] = (total.counts[name] ?? 0) + value;
  }
}

/**
 * Runs `slices` rounds of `work(rig, slice)` over the rigs (one per variant:
 * `{ variant, server, ... }`), each call inside a measurement window of that
 * rig's server, rotating which rig goes first. Returns, per variant, the sum
 * of its windows with the event-loop utilisation over all of them.
 */
export async function measureInSlices(rigs, slices, work) {
  const totals = Object.fromEntries(rigs.map((rig) => [rig.variant, emptyTotal()]));
  for (let slice = 0; slice < slices; slice++) {
    for (const rig of rotate(rigs, slice)) {
      await rig.server.call('begin');
      await work(rig, slice);
      addWindow(totals[rig.variant], await rig.server.call('end'));
    }
  }
  for (const total of Object.values(totals)) {
    total.eventLoopUtilization = total.wallMs > 0 ? total.busyMs / total.wallMs : 0;
    delete total.busyMs;
  }
  return totals;
}

/**
 * A CPU scenario's `run` (one variant alone, for profiling) and
 * `runInterleaved` (every variant, alternated in slices), built from its
 * parts: `setUp(variant, server, p)` returns a rig whose load generators are
 * `rig.loaders`, warmed up and ready; `work(rig, units, p)` runs that many
 * units of the workload; `result(rig, window, p)` turns a measurement window
 * (or the sum of a rig's slices) into the run's numbers; `units(p)` is how
 * many units one run measures.
 */
export function measuredBy({ setUp, work, result, units }) {
  return {
    async run(server, p) {
      const rig = await setUp(server.variant, server, p);
      try {
        await server.call('begin');
        await work(rig, units(p), p);
        return await result(rig, await server.call('end'), p);
      } finally {
        await stopAll(rig.loaders);
      }
    },

    async runInterleaved(servers, p, order) {
      const rigs = [];
      try {
        for (const variant of order) rigs.push(await setUp(variant, servers[variant], p));
        const totals = await measureInSlices(rigs, p.slices, (rig, slice) =>
          work(rig, share(units(p), p.slices, slice), p),
        );
        const results = {};
        for (const rig of rigs) results[rig.variant] = await result(rig, totals[rig.variant], p);
        return results;
      } finally {
        await stopAll(rigs.flatMap((rig) => rig.loaders));
      }
    },
  };
}
