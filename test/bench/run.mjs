/**
 * The overhead benchmark: runs each scenario round by round against fresh
 * server processes (bare, instrumented, instrumented + histogram, bare
 * again), alternating the order every round, then prints ratios against bare
 * and writes the full results to results/.
 *
 * Environment: BENCH_ROUNDS (default 7, 3 in quick mode), BENCH_QUICK=1 for
 * smaller workloads, BENCH_SCENARIOS=echo,churn to run only some scenarios.
 * `--from <results.json>` prints a saved run again instead of measuring.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as format from './format.mjs';
import { killStarted, snapshotInstrumentation, startServer } from './processes.mjs';
import {
  describeMachine,
  machineLine,
  renderTable,
  TABLE_LEGEND,
  writeResults,
} from './report.mjs';
import { scenarios } from './scenarios/index.mjs';

const quick = process.env.BENCH_QUICK === '1';
const rounds = readRounds(process.env.BENCH_ROUNDS, quick ? 3 : 7);
const only = process.env.BENCH_SCENARIOS?.split(',')
  .map((name) => name.trim())
  .filter(Boolean);
/** A run that takes longer than this is hung: its processes are killed and the round is dropped. */
const RUN_TIMEOUT_MS = 180000;

function readRounds(raw, fallback) {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`BENCH_ROUNDS=${raw} is not a positive integer`);
  return value;
}

/** The variants in round `index`'s order: rotated so each one takes every position in turn. */
function orderFor(variants, index) {
  const shift = index % variants.length;
  return [...variants.slice(shift), ...variants.slice(0, shift)];
}

async function runOnce(scenario, variant, params) {
  const startedAt = performance.now();
  let server;
  try {
    const work = (async () => {
      server = await startServer(variant, [], scenario.serverEnv?.(params));
      return scenario.run(server, params);
    })();
    const result = await withTimeout(work, 1);
    return { ...result, seconds: (performance.now() - startedAt) / 1000 };
  } catch (error) {
    killStarted();
    return { error: String(error?.message ?? error) };
  } finally {
    await server?.stop();
  }
}

/** Rejects after RUN_TIMEOUT_MS × `runs`, so a hung run cannot stall the bench. */
async function withTimeout(work, runs) {
  let timer;
  const timeout = new Promise((_, reject) => {
    const ms = RUN_TIMEOUT_MS * runs;
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One round of an interleaved scenario: every variant's server at once, the
 * scenario alternating the workload between them (scenarios/interleave.mjs).
 * A failure fails the round for every variant.
 */
async function runInterleavedRound(scenario, order, params) {
  const startedAt = performance.now();
  const servers = {};
  try {
    const work = (async () => {
      for (const variant of order) {
        servers[variant] = await startServer(variant, [], scenario.serverEnv?.(params));
      }
      return scenario.runInterleaved(servers, params, order);
    })();
    const results = await withTimeout(work, order.length);
    const seconds = (performance.now() - startedAt) / 1000;
    return Object.fromEntries(order.map((v) => [v, { ...results[v], seconds }]));
  } catch (error) {
    killStarted();
    const failed = { error: String(error?.message ?? error) };
    return Object.fromEntries(order.map((v) => [v, failed]));
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}

/** The plain numbers of a run, for the progress line. */
function headline(result) {
  if (result.error !== undefined) return `ERROR ${result.error}`;
  return Object.entries(result)
    .filter(([, value]) => typeof value === 'number')
    .map(([key, value]) => `${key}=${format.number(value, value >= 100 ? 0 : 3)}`)
    .join(' ');
}

async function runScenario(scenario) {
  const params = scenario.params(quick);
  const roundResults = [];
  for (let index = 0; index < rounds; index++) {
    const order = orderFor(scenario.variants, index);
    const log = (variant) =>
      console.log(
        `  ${scenario.name} round ${index + 1}/${rounds} ${variant}: ${headline(runs[variant])}`,
      );
    let runs = {};
    if (scenario.runInterleaved !== undefined) {
      runs = await runInterleavedRound(scenario, order, params);
      order.forEach(log);
    } else {
      for (const variant of order) {
        runs[variant] = await runOnce(scenario, variant, params);
        log(variant);
      }
    }
    roundResults.push({ round: index + 1, order, runs });
  }
  return {
    params,
    ...scenario.summarise(roundResults, params),
    loadAverage: os.loadavg()[0],
    rounds: roundResults,
  };
}

/** Runs every selected scenario; returns the report that is printed and written. */
async function measureAll() {
  const startedAt = new Date().toISOString();
  const machine = { ...describeMachine(), build: snapshotInstrumentation() };
  const [loadAverage] = os.loadavg();
  console.log(`# ws-otel overhead benchmark${quick ? ' (quick mode: smaller workloads)' : ''}\n`);
  console.log(`Machine: ${machineLine(machine)}`);
  console.log(
    `Rounds: ${rounds}${rounds < 7 ? ' (fewer than 7: a smoke run, not a measurement)' : ''}`,
  );
  console.log(`Load average before the run: ${format.number(loadAverage)}\n`);
  if (loadAverage > 0.5)
    console.log('Other processes are using the CPU: expect a wider A/A range.\n');
  const results = {};
  for (const scenario of scenarios) {
    if (only !== undefined && !only.includes(scenario.name)) continue;
    if (scenario.skip !== undefined) {
      results[scenario.name] = { skip: scenario.skip };
      console.log(`${scenario.name}: skipped (${scenario.skip})`);
      continue;
    }
    console.log(`${scenario.name}: ${JSON.stringify(scenario.params(quick))}`);
    results[scenario.name] = await runScenario(scenario);
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    loadAverageBefore: loadAverage,
    settings: { quick, rounds, scenarios: only ?? scenarios.map((s) => s.name) },
    table: renderTable(results),
    scenarios: results,
  };
}

/**
 * Summarises a saved report again with the current code, so a change to the
 * summaries does not need a new run: `node bench/run.mjs --from results/latest.json`.
 */
function resummarise(report) {
  for (const [name, result] of Object.entries(report.scenarios)) {
    const scenario = scenarios.find((s) => s.name === name);
    if (result.skip !== undefined || scenario?.summarise === undefined) continue;
    Object.assign(result, scenario.summarise(result.rounds, result.params));
  }
  report.table = renderTable(report.scenarios);
  return report;
}

function printReport(report) {
  const { machine, scenarios: results, settings } = report;
  const checks = Object.values(results)
    .map((result) => result.check?.text && `- ${result.check.scenario}: ${result.check.text}`)
    .filter(Boolean);
  const errors = Object.entries(results).flatMap(([name, result]) =>
    (result.rounds ?? []).flatMap((round) =>
      Object.entries(round.runs)
        .filter(([, run]) => run.error !== undefined)
        .map(([variant, run]) => `- ${name} round ${round.round} ${variant}: ${run.error}`),
    ),
  );
  const loadAfter = Object.entries(results)
    .filter(([, result]) => result.loadAverage !== undefined)
    .map(([name, result]) => `${name} ${format.number(result.loadAverage)}`)
    .join(', ');
  console.log(`\n## Results\n\nMachine: ${machineLine(machine)}`);
  console.log(
    `Rounds: ${settings.rounds}${settings.quick ? ' (quick mode)' : ''}; load average (1 min) before: ${format.number(report.loadAverageBefore)}, after each scenario: ${loadAfter}\n`,
  );
  console.log(`${report.table}\n\n${TABLE_LEGEND}\n`);
  if (checks.length > 0) console.log(`## Load generator check\n\n${checks.join('\n')}\n`);
  if (errors.length > 0)
    console.log(`## Failed runs (left out of the table)\n\n${errors.join('\n')}\n`);
}

async function main() {
  const from = process.argv.indexOf('--from');
  if (from !== -1) {
    printReport(resummarise(JSON.parse(readFileSync(process.argv[from + 1], 'utf8'))));
    return;
  }
  const report = await measureAll();
  printReport(report);
  console.log(`Full results: ${writeResults(report)}`);
}

process.on('SIGINT', () => {
  killStarted();
  process.exit(130);
});

main().catch((error) => {
  killStarted();
  console.error(error);
  process.exit(1);
});
