/**
 * The shared shape of the CPU and memory scenarios: every round runs bare,
 * instrumented, instrumented with the histogram, and bare again (A/A); each
 * variant is compared with the round's first bare run.
 */
import * as format from '../format.mjs';
import { completeRounds, pairwise, spread, values, variation, verdict } from '../stats.mjs';

export const COMPARED_VARIANTS = ['bare', 'instrumented', 'histogram', 'bare2'];

/** Above this, the bare server's cost per unit moved between rounds more than noise should move it. */
const UNSTABLE_CV = 0.05;

/** Which variant fills each column of a row; a scenario with another baseline passes its own. */
const COLUMNS = { bare: 'bare', aa: 'bare2', instrumented: 'instrumented', histogram: 'histogram' };

/**
 * One table row for `key`. `compare` is 'ratio' (variant / bare), 'delta'
 * (variant − bare) or 'absolute' (each variant's own value, for targets that
 * are limits rather than overheads); `target` = { text, limit } applies to the
 * instrumented median with default options; the histogram is opt-in and has
 * no target. `columns` names the variant in each column (the bare column is
 * the baseline); a column without one stays empty. `verdict` says whether
 * the target is met or missed beyond noise: by the median's bootstrap
 * interval over rounds (stats.mjs), not by the median alone.
 */
export function comparisonRow(
  rounds,
  { key, metric, unit, digits = 2, compare, target, columns = COLUMNS },
) {
  const complete = completeRounds(rounds, Object.values(columns).filter(Boolean));
  const against = (variant) => {
    if (variant === undefined) return undefined;
    if (compare === 'absolute') return spread(values(complete, key, variant));
    return spread(pairwise(complete, key, variant, compare, columns.bare));
  };
  const bare = spread(values(complete, key, columns.bare));
  const aa = against(columns.aa);
  const instrumented = against(columns.instrumented);
  const histogram = against(columns.histogram);
  const show = (s) => {
    if (compare === 'ratio') return format.ratio(s);
    if (compare === 'delta') return format.delta(s, unit);
    return format.absolute(s, unit, digits);
  };
  // A variant's own value under a limit: its interval says whether the limit is met beyond noise.
  const showTarget = (s) =>
    compare === 'absolute' && target !== undefined
      ? format.absoluteWithInterval(s, unit, digits)
      : show(s);
  const cell = (variant, s) => (variant === undefined ? '' : show(s));
  const pass =
    target === undefined || instrumented === undefined
      ? undefined
      : instrumented.median <= target.limit;
  return {
    metric,
    key,
    unit,
    compare,
    rounds: complete.length,
    target: target?.text,
    pass,
    verdict: target === undefined ? undefined : verdict(instrumented, target.limit),
    data: { bare, aa, instrumented, histogram },
    cells: {
      bare: format.absolute(bare, unit, digits),
      aa: cell(columns.aa, aa),
      instrumented: columns.instrumented === undefined ? '' : showTarget(instrumented),
      histogram: cell(columns.histogram, histogram),
    },
  };
}

/**
 * Whether the load generators kept the server fed: the bare server's
 * per-unit CPU must be steady across rounds, and its event loop busy.
 */
export function loadCheck(rounds, { scenario, key, what }) {
  const complete = completeRounds(rounds, ['bare']);
  const bare = values(complete, key, 'bare');
  const elu = values(complete, 'eventLoopUtilization', 'bare');
  const loader = values(complete, 'loaderCpuShare', 'bare').filter((v) => v !== undefined);
  const cv = variation(bare);
  const eluMedian = spread(elu)?.median ?? 0;
  const loaderMedian = spread(loader)?.median;
  let verdict;
  if (eluMedian >= 0.95) {
    verdict =
      loaderMedian !== undefined && loaderMedian >= 0.9
        ? 'both sides near saturation, but the server never waited for input, so the load generator did not starve it'
        : 'the server was the busy side: its event loop never waited for input';
  } else if (loaderMedian !== undefined && loaderMedian >= 0.9) {
    verdict = 'the load generator was saturated: it, not the server, set the pace';
  } else {
    verdict = 'neither side saturated: the workload paces itself';
  }
  if (cv > UNSTABLE_CV)
    verdict += `; CV above ${format.percent(UNSTABLE_CV, 0)}: the bare cost moved between rounds`;
  const parts = [
    `bare ${what} CV ${format.percent(cv)} over ${bare.length} rounds`,
    `bare server event-loop utilisation ${format.number(eluMedian)}`,
  ];
  if (loaderMedian !== undefined)
    parts.push(`load generator CPU ${format.percent(loaderMedian, 0)} of one core`);
  return {
    scenario,
    cv,
    eventLoopUtilization: eluMedian,
    loaderCpuShare: loaderMedian,
    verdict,
    text: `${parts.join('; ')}: ${verdict}`,
  };
}
