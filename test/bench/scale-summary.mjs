/**
 * The scale bench's table: each variant's own value (median [min–max] over
 * rounds), the instrumented variant against its baseline taken within each
 * round (a ratio or a difference, with the median's bootstrap interval), the
 * target and whether it is met beyond noise (stats.mjs `verdict`).
 */
import * as format from './format.mjs';
import { VERDICT_TEXT } from './report.mjs';
import { completeRounds, pairwise, spread, values, verdict } from './stats.mjs';

/**
 * The rows: `key` of each run; `against` names the baseline variant and
 * `compare` how the instrumented value meets it ('ratio', 'delta'), or
 * 'absolute' for a limit on the instrumented value itself.
 */
const ROWS = [
  {
    key: 'loopMaxMs',
    metric: 'event-loop delay max over the hold, worst worker',
    unit: 'ms',
    digits: 1,
    compare: 'absolute',
    target: { text: '≤ 20 ms', limit: 20 },
  },
  {
    key: 'loopP99Ms',
    metric: 'event-loop delay p99 over the hold, worst worker',
    unit: 'ms',
    digits: 1,
    compare: 'absolute',
  },
  {
    key: 'cpuPerSecondMs',
    metric: 'CPU per second over the hold, all workers',
    unit: 'ms/s',
    digits: 0,
    compare: 'ratio',
    against: 'sweep',
  },
  {
    key: 'rssPerConnection',
    metric: 'RSS per connection (zero-connection cost taken off)',
    unit: 'B',
    digits: 0,
    compare: 'delta',
    against: 'bare',
    target: { text: '≤ bare + 1,024 B', limit: 1024 },
  },
  {
    key: 'heapPerConnection',
    metric: 'heap per connection, after full collection',
    unit: 'B',
    digits: 0,
    compare: 'delta',
    against: 'sweep',
    target: { text: '≤ sweep + 128 B', limit: 128 },
  },
  {
    key: 'heapCommittedPerConnection',
    metric: 'heap committed by V8 per connection (heapTotal), after full collection',
    unit: 'B',
    digits: 0,
    compare: 'delta',
    against: 'bare',
  },
  {
    key: 'churnCpuPerConnectionUs',
    metric: 'churn: CPU per connection opened and closed (hold CPU taken off)',
    unit: 'µs',
    digits: 1,
    compare: 'ratio',
    against: 'bare',
    target: { text: '≤ 1.10 × bare', limit: 1.1 },
  },
  {
    key: 'churnLoopMaxMs',
    metric: 'churn: event-loop delay max, worst worker',
    unit: 'ms',
    digits: 1,
    compare: 'absolute',
  },
  {
    key: 'churnPerSecond',
    metric: 'churn: connections opened per second (all workers)',
    unit: '/s',
    digits: 0,
    compare: 'absolute',
  },
];

const VARIANT_COLUMNS = ['bare', 'sweep', 'instrumented'];

function backendRow(rounds, p) {
  const runs = rounds
    .map((round) => round.runs.instrumented)
    .filter((run) => run !== undefined && run.error === undefined);
  if (runs.length === 0) return undefined;
  const exact = runs.every(
    (run) =>
      run.backend.whileOpen.length > 0 &&
      run.backend.whileOpen.every((v) => v === p.connections) &&
      run.backend.afterChurn === (run.backend.afterChurnExpected ?? p.connections) &&
      run.backend.afterClose === 0,
  );
  const shown = runs
    .map(
      (run) =>
        `${run.backend.whileOpen.join(', ')}; after churn ${run.backend.afterChurn} (the app holds ${run.backend.afterChurnExpected ?? '?'}); after close ${run.backend.afterClose}`,
    )
    .join(' / ');
  return {
    metric:
      'backend: sum of active connections while open (every 10 s), after the churn, after all close',
    key: 'backend',
    cells: { bare: '', sweep: '', instrumented: shown, against: '' },
    target: `${p.connections.toLocaleString('en-US')}; what the app holds; 0`,
    verdict: exact ? 'met' : 'missed',
  };
}

export function summariseScale(rounds, p) {
  const present = VARIANT_COLUMNS.filter((v) => p.variants.includes(v));
  const complete = completeRounds(rounds, present);
  const rows = ROWS.map((row) => {
    const cells = {};
    const data = {};
    for (const variant of VARIANT_COLUMNS) {
      if (!present.includes(variant)) {
        cells[variant] = '';
        continue;
      }
      data[variant] = spread(
        values(complete, row.key, variant).filter((value) => Number.isFinite(value)),
      );
      cells[variant] = format.absolute(data[variant], row.unit, row.digits);
    }
    let compared;
    cells.against = '';
    if (row.compare === 'absolute') {
      compared = data.instrumented;
      if (compared !== undefined && row.target !== undefined) {
        cells.instrumented = format.absoluteWithInterval(compared, row.unit, row.digits);
      }
    } else if (present.includes(row.against) && present.includes('instrumented')) {
      compared = spread(pairwise(complete, row.key, 'instrumented', row.compare, row.against));
      const shown =
        row.compare === 'ratio' ? format.ratio(compared) : format.delta(compared, row.unit);
      cells.against = `${shown} vs ${row.against === 'sweep' ? 'sweep' : 'bare'}`;
    }
    return {
      metric: row.metric,
      key: row.key,
      rounds: complete.length,
      data: { ...data, compared },
      cells,
      target: row.target?.text,
      verdict: row.target === undefined ? undefined : verdict(compared, row.target.limit),
    };
  });
  const backend = backendRow(rounds, p);
  if (backend !== undefined) rows.push(backend);
  return { rows, rounds: complete.length };
}

export function renderScaleTable(summary) {
  const lines = [
    '| metric | bare | bare + README sweep | instrumented | instrumented against baseline | target | result |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of summary.rows) {
    const { bare, sweep, instrumented, against } = row.cells;
    lines.push(
      `| ${row.metric} | ${bare} | ${sweep} | ${instrumented} | ${against} | ${row.target ?? ''} | ${VERDICT_TEXT[row.verdict] ?? ''} |`,
    );
  }
  return lines.join('\n');
}

export const SCALE_LEGEND = [
  'Each variant: median [min–max] over the rounds in which every variant completed.',
  'Against baseline: taken within each round, then median [min–max], with the 95% bootstrap interval of the median (CI) from 3 rounds on.',
  'Result: pass or FAIL when the interval is on one side of the target; "within noise" when it straddles it; with fewer than 3 rounds, the median alone.',
  'Worst worker: the largest value of any worker in that run. Memory: all workers together, after full collection, minus the same workers at zero connections, per connection.',
].join('\n');
