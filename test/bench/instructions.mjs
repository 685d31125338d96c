/**
 * Counts the instructions the server runs per echoed message or per churned
 * connection, under valgrind's callgrind: a count that, unlike CPU time,
 * repeats to within about 1% from run to run, so a change of a few hundred
 * instructions per message shows. Each variant runs alone, after a warm-up,
 * with V8's young generation fixed at 16 MB so that collections fall alike;
 * only the measured workload is counted (`callgrind_control -i on/off`).
 * With two or more variants it also prints the functions whose counts differ
 * most from the first variant's (JIT-compiled JavaScript shows as one `???`).
 * Needs `valgrind` (Debian package `valgrind`); not part of `pnpm test`.
 *
 *   node bench/instructions.mjs <echo|churn> [variant ...]   (default: bare instrumented)
 *
 * BENCH_CANDIDATE=<dist/register.js> makes the `histogram` variant that build.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as format from './format.mjs';
import { startLoaders, startServer, stopAll, VARIANTS } from './processes.mjs';

const WORKLOADS = {
  echo: {
    unit: 'message',
    warmup: 60000,
    measured: 20000,
    async setUp(loader, server) {
      await loader.call('open', { url: server.url, count: 100, addresses: loader.addresses });
    },
    async run(loader, _server, count) {
      await loader.call('run', { inFlight: 32, size: 64, messages: count });
    },
  },
  churn: {
    unit: 'connection',
    warmup: 3000,
    measured: 1000,
    closed: 0,
    async setUp() {},
    async run(loader, server, count) {
      await loader.call('churn', {
        url: server.url,
        total: count,
        batch: 100,
        addresses: loader.addresses,
      });
      // Counted to the last close: the server may still be closing when the client is done.
      this.closed += count;
      await server.call('waitFor', { targets: { closed: this.closed } });
    },
  },
};

const [name, ...requested] = process.argv.slice(2);
const workload = WORKLOADS[name];
if (workload === undefined) {
  console.error('usage: node bench/instructions.mjs <echo|churn> [variant ...]');
  process.exit(2);
}
const variants = requested.length > 0 ? requested : ['bare', 'instrumented'];
for (const variant of variants) {
  if (VARIANTS[variant] === undefined) throw new Error(`unknown variant ${variant}`);
}
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');
}

/** A node that runs under callgrind, counting nothing until told to. */
function callgrindNode(dir) {
  const wrapper = join(dir, 'node-under-callgrind');
  const out = join(dir, 'callgrind.%p.out');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --cache-sim=no --branch-sim=no --log-file=${join(dir, 'valgrind.log')} --callgrind-out-file=${out} ${process.execPath} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

/** Instructions per function (self), from callgrind's dump. */
function functionCounts(file) {
  const text = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const counts = new Map();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const value = Number(match[1].replaceAll(',', ''));
    // JIT code has no symbols: its addresses are folded into one entry.
    const fn = match[2].replace(/0x[0-9a-f]+/g, '0x…').replace(/ \[\/[^\]]*\]$/, '');
    if (fn === 'PROGRAM TOTALS') total = value;
    else counts.set(fn, (counts.get(fn) ?? 0) + value);
  }
  return { total, counts };
}

async function measure(variant) {
  const dir = mkdtempSync(join(tmpdir(), 'ws-otel-callgrind-'));
  try {
    const server = await startServer(
      variant,
      ['--min-semi-space-size=16', '--max-semi-space-size=16'],
      {},
      callgrindNode(dir),
    );
    const [loader] = await startLoaders(
      name === 'echo' ? 'load-echo.mjs' : 'load-connections.mjs',
      1,
      4,
    );
    try {
      workload.closed = 0;
      await workload.setUp(loader, server);
      await workload.run(loader, server, workload.warmup);
      execFileSync('callgrind_control', ['-i', 'on', String(server.pid)], { stdio: 'ignore' });
      await workload.run(loader, server, workload.measured);
      execFileSync('callgrind_control', ['-i', 'off', String(server.pid)], { stdio: 'ignore' });
      execFileSync('callgrind_control', ['-d', String(server.pid)], { stdio: 'ignore' });
    } finally {
      await stopAll([loader, server]);
    }
    // The dump taken on request is the one numbered .1; the one at exit counts nothing.
    const dump = readdirSync(dir).find((file) => file.endsWith('.out.1'));
    if (dump === undefined) throw new Error(`callgrind wrote no dump in ${dir}`);
    return functionCounts(join(dir, dump));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const per = (value) => value / workload.measured;
console.log(
  `# Instructions per ${workload.unit} (${name}: ${format.number(workload.measured, 0)} after ${format.number(workload.warmup, 0)} unmeasured)\n`,
);
const results = [];
for (const variant of variants) {
  const result = await measure(variant);
  results.push({ variant, ...result });
  console.log(`${VARIANTS[variant].label}: ${format.number(per(result.total), 0)}`);
}
for (const other of results.slice(1)) {
  const base = results[0];
  const names = new Set([...base.counts.keys(), ...other.counts.keys()]);
  const rows = [...names]
    .map((fn) => ({ fn, delta: (other.counts.get(fn) ?? 0) - (base.counts.get(fn) ?? 0) }))
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
    .slice(0, 20);
  console.log(
    `\n## ${VARIANTS[other.variant].label} − ${VARIANTS[base.variant].label}: ${format.number(per(other.total - base.total), 0)} per ${workload.unit}\n`,
  );
  console.log(`| per ${workload.unit} | function |\n|---|---|`);
  for (const { fn, delta } of rows) {
    console.log(`| ${format.number(per(delta), 0)} | ${fn.slice(0, 120)} |`);
  }
}
