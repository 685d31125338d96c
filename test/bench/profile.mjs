/**
 * Profiles one run of a scenario with `node --cpu-prof` and prints where the
 * server spent its CPU: the top frames by self time and the share of each
 * package, for bare and instrumented side by side. Only samples inside the
 * scenario's measurement window count, when the scenario has one.
 * With BENCH_PROFILE_KIND=alloc it prints what the server allocated in the
 * window instead (alloc-sampler.mjs), by package and frame, per second and,
 * for the heartbeat, per ping: what decides whether V8 shrinks its young
 * generation again.
 *
 *   node bench/profile.mjs <scenario> [variant ...]   (default: bare, or the scenario's
 *                                                      baseline, and instrumented)
 *
 * Environment: BENCH_QUICK=1 for the smaller workloads, BENCH_PROFILE_TOP (default 25),
 * BENCH_PROFILE_KIND (cpu, the default, or alloc).
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as format from './format.mjs';
import { snapshotInstrumentation, startServer, VARIANTS } from './processes.mjs';
import { scenarios } from './scenarios/index.mjs';

const [name, ...requested] = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === '1';
const top = Number(process.env.BENCH_PROFILE_TOP ?? 25);
const kind = process.env.BENCH_PROFILE_KIND ?? 'cpu';
if (kind !== 'cpu' && kind !== 'alloc') throw new Error(`BENCH_PROFILE_KIND=${kind}: cpu or alloc`);
// Finer than the default 1 ms, so short frames on the message path show up.
const SAMPLE_INTERVAL_US = 100;

/** Which part of the stack a frame belongs to, from its script URL. */
function category({ functionName, url }) {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return '(program): native, outside JS';
    return 'native builtins';
  }
  if (url.includes('instrumentation-ws') || url.includes('.snapshots/')) {
    return '@ws-otel/instrumentation-ws';
  }
  if (url.includes('@opentelemetry')) return '@opentelemetry/*';
  if (/[/\\]ws[/\\]lib[/\\]/.test(url)) return 'ws';
  if (url.startsWith('node:')) return 'node core (JS)';
  if (url.includes('bench')) return 'bench app';
  return 'other';
}

/** A readable place for a frame: the package-relative path and line, never the machine's path. */
function place({ url, lineNumber }) {
  if (url === '') return '';
  const snapshot = url.indexOf('.snapshots/');
  if (snapshot !== -1) {
    // results/.snapshots/<hash>/dist/x.js is the package's dist/x.js.
    const inPackage = url.slice(snapshot).split('/').slice(2).join('/');
    return `instrumentation-ws/${inPackage}:${lineNumber + 1}`;
  }
  const relative = url.includes('node_modules/')
    ? url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length)
    : url.split('/').slice(-3).join('/');
  return `${relative}:${lineNumber + 1}`;
}

/**
 * Sums of some amount (µs of self time, bytes allocated) per frame and per
 * category; `result()` lists each largest first.
 */
function tally() {
  const frames = new Map();
  const categories = new Map();
  let total = 0;
  const sorted = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return {
    add(callFrame, amount) {
      const key = `${callFrame.functionName || '(anonymous)'}  ${place(callFrame)}`;
      frames.set(key, (frames.get(key) ?? 0) + amount);
      const group = category(callFrame);
      categories.set(group, (categories.get(group) ?? 0) + amount);
      total += amount;
    },
    result: () => ({ total, frames: sorted(frames), categories: sorted(categories) }),
  };
}

/**
 * Self time in µs per frame and per category, from samples inside [begin, end].
 * Each sample counts as one interval: the gap before a late sample is wall
 * time (the process may have been waiting for a core), not CPU time.
 */
function selfTimes(profile, window) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const times = tally();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    if (window !== undefined && (time < window.begin || time > window.end)) continue;
    const { callFrame } = nodes.get(profile.samples[i]);
    if (callFrame.functionName !== '(idle)') times.add(callFrame, SAMPLE_INTERVAL_US);
  }
  return times.result();
}

/** Bytes allocated per frame and per category, from a sampling heap profile's tree. */
function selfSizes(profile) {
  const sizes = tally();
  const visit = (node) => {
    if (node.selfSize > 0) sizes.add(node.callFrame, node.selfSize);
    for (const child of node.children) visit(child);
  };
  visit(profile.head);
  return sizes.result();
}

function printAllocations(variant, sizes, result) {
  const { wallMs } = result.window;
  // The heartbeat scenario's pings: every connection, once an interval.
  const pings = result.pings ? result.pings.expected * result.pings.connections : undefined;
  const rate = (bytes) =>
    `${format.number(bytes / wallMs, 0)} B/ms` +
    (pings ? ` | ${format.number(bytes / pings, 0)} B/ping` : '');
  console.log(
    `\n## ${VARIANTS[variant].label}: ${format.number(sizes.total / 1e6, 1)} MB allocated in the ${format.number(wallMs / 1000, 1)} s window (${rate(sizes.total)})\n`,
  );
  const head = pings ? '| per ms | per ping |' : '| per ms |';
  const rule = pings ? '|---|---|' : '|---|';
  console.log(`| package ${head} share |\n|---${rule}---|`);
  for (const [group, bytes] of sizes.categories) {
    console.log(`| ${group} | ${rate(bytes)} | ${format.percent(bytes / sizes.total)} |`);
  }
  console.log(`\n| ${head.slice(2)} share | frame |\n${rule}---|---|`);
  for (const [frame, bytes] of sizes.frames.slice(0, top)) {
    console.log(`| ${rate(bytes)} | ${format.percent(bytes / sizes.total)} | ${frame} |`);
  }
}

function print(variant, times, inWindow) {
  const share = (us) => format.percent(us / times.total);
  console.log(
    `\n## ${VARIANTS[variant].label}: ${format.number(times.total / 1000, 1)} ms of CPU in samples (${inWindow ? 'measurement window' : 'whole process'})\n`,
  );
  console.log('| package | self time | share |\n|---|---|---|');
  for (const [group, us] of times.categories) {
    console.log(`| ${group} | ${format.number(us / 1000, 1)} ms | ${share(us)} |`);
  }
  console.log(`\n| self time | share | frame |\n|---|---|---|`);
  for (const [frame, us] of times.frames.slice(0, top)) {
    console.log(`| ${format.number(us / 1000, 1)} ms | ${share(us)} | ${frame} |`);
  }
}

async function profileOnce(scenario, variant, dir) {
  mkdirSync(dir, { recursive: true });
  const params = scenario.params(quick);
  const cpuArgs = [
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-interval',
    String(SAMPLE_INTERVAL_US),
  ];
  const server = await startServer(variant, kind === 'cpu' ? cpuArgs : [], {
    ...scenario.serverEnv?.(params),
    ...(kind === 'alloc' ? { BENCH_ALLOC_PROFILE: dir } : {}),
  });
  let result;
  try {
    result = await scenario.run(server, params);
  } finally {
    await server.stop();
  }
  const suffix = kind === 'cpu' ? '.cpuprofile' : '.heapprofile';
  const file = readdirSync(dir).find((entry) => entry.endsWith(suffix));
  if (file === undefined) throw new Error(`no profile written in ${dir}`);
  return {
    result,
    profile: JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')),
    file: `${dir}/${file}`,
  };
}

async function main() {
  const scenario = scenarios.find((s) => s.name === name && s.skip === undefined);
  if (scenario === undefined) {
    const names = scenarios.filter((s) => s.skip === undefined).map((s) => s.name);
    throw new Error(`usage: profile.mjs <${names.join('|')}> [variant ...]`);
  }
  const stamp = new Date()
    .toISOString()
    .replaceAll(':', '-')
    .replace(/\.\d+Z$/, 'Z');
  // By default the scenario's baseline (bare, or what it compares against instead) and instrumented.
  const variants = requested.length > 0 ? requested : [scenario.baseline ?? 'bare', 'instrumented'];
  const base = new URL(`results/profiles/${stamp}-${name}/`, import.meta.url).pathname;
  const build = snapshotInstrumentation();
  const what = kind === 'cpu' ? 'CPU profile' : 'Allocations';
  console.log(
    `# ${what} of the ${name} scenario (${quick ? 'quick' : 'full'} workload, build ${build})`,
  );
  for (const [index, variant] of variants.entries()) {
    if (!scenario.variants.includes(variant)) continue;
    // A folder per run, so a variant named twice is profiled twice.
    const dir =
      variants.indexOf(variant) === index ? `${base}${variant}` : `${base}${variant}-${index + 1}`;
    const { result, profile, file } = await profileOnce(scenario, variant, dir);
    if (kind === 'alloc') {
      printAllocations(variant, selfSizes(profile), result);
      console.log(`\nProfile: ${file}`);
      continue;
    }
    const window = result.window?.monotonicUs;
    let times = selfTimes(profile, window);
    const inWindow = window !== undefined && times.total > 0;
    if (!inWindow) times = selfTimes(profile, undefined);
    print(variant, times, inWindow);
    console.log(`\nProfile: ${file}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
