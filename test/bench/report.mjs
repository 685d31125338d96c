/** What the bench prints and writes: the machine, the table of ratios, the JSON file. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const RESULTS_DIR = fileURLToPath(new URL('results/', import.meta.url));

function commit() {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${hash} (with uncommitted changes)` : hash;
  } catch {
    return 'unknown';
  }
}

export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ws: require('ws/package.json').version,
    instrumentation: require('@ws-otel/instrumentation-ws/package.json').version,
    commit: commit(),
  };
}

export function machineLine(m) {
  const build = m.build === undefined ? '' : `, build ${m.build}`;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; ws ${m.ws}; @ws-otel/instrumentation-ws ${m.instrumentation} at ${m.commit}${build}`;
}

const RESULT_TEXT = { true: 'pass', false: '**FAIL**', undefined: '' };

/** A row's result: by its verdict (interval against the target) where it has one. */
export const VERDICT_TEXT = {
  met: 'pass',
  'met within noise': 'pass on the median, within noise',
  'missed within noise': 'miss on the median, within noise',
  missed: '**FAIL**',
};

export function resultText(row) {
  return row.verdict === undefined ? RESULT_TEXT[row.pass] : VERDICT_TEXT[row.verdict];
}

/** The markdown table: one row per metric, skipped scenarios included. */
export function renderTable(scenarioResults) {
  const lines = [
    `| scenario | metric | bare (absolute) | A/A | instrumented | ${process.env.BENCH_CANDIDATE ? 'candidate build' : '+ histogram'} | target | result |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, result] of Object.entries(scenarioResults)) {
    if (result.skip !== undefined) {
      lines.push(`| ${name} | skipped: ${result.skip} | | | | | | |`);
      continue;
    }
    for (const row of result.rows) {
      const { bare, aa, instrumented, histogram } = row.cells;
      lines.push(
        `| ${name} | ${row.metric} | ${bare} | ${aa} | ${instrumented} | ${histogram} | ${row.target ?? ''} | ${resultText(row)} |`,
      );
    }
  }
  return lines.join('\n');
}

export const TABLE_LEGEND = [
  "Ratios are variant ÷ bare, taken within each round, then median [min–max] over the rounds, and the median's 95% bootstrap interval (CI; from 3 rounds on).",
  'Result: pass or FAIL when the whole interval is on one side of the target; "within noise" when the interval straddles it (the median decides which side it is reported on).',
  'Differences (idle) are variant − bare in bytes per connection, the same way.',
  'A/A is a second bare run in the same round against the first: the noise floor. For scrape it is a second batch of scrapes at the smaller count against the first.',
  'Targets apply to the instrumented variant with default options; the per-message histogram is opt-in and shown for information.',
].join('\n');

/** Writes results/<prefix><timestamp>.json and results/<prefix>latest.json; returns the first path. */
export function writeResults(report, prefix = '') {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = report.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const path = `${RESULTS_DIR}${prefix}${stamp}.json`;
  writeFileSync(path, text);
  writeFileSync(`${RESULTS_DIR}${prefix}latest.json`, text);
  return path;
}
