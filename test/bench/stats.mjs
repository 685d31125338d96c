/**
 * The arithmetic of the report: medians with their range over rounds, and
 * ratios or differences taken pairwise within a round (so slow drift of the
 * machine between rounds cancels).
 */

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, min and max of the values, its bootstrap interval, and the values for the JSON file. */
export function spread(values) {
  if (values.length === 0) return undefined;
  return {
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    interval: medianInterval(values),
    values,
  };
}

/** Resamples drawn for a bootstrap interval. */
const RESAMPLES = 4000;

/**
 * A small seeded generator (mulberry32): the same rounds always give the
 * same interval, so printing a saved run again gives the same table.
 */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A percentile bootstrap interval for the median over rounds: resample the
 * rounds with replacement, take each resample's median, keep the middle
 * `level` of them. Undefined for fewer than 3 rounds, where it says nothing.
 * With 7 rounds a 95% interval runs roughly from the 2nd to the 6th value.
 */
export function medianInterval(values, level = 0.95) {
  if (values.length < 3) return undefined;
  const random = seededRandom(values.length * 7919);
  const medians = new Float64Array(RESAMPLES);
  const sample = new Array(values.length);
  for (let r = 0; r < RESAMPLES; r++) {
    for (let i = 0; i < values.length; i++) {
      sample[i] = values[Math.floor(random() * values.length)];
    }
    medians[r] = median(sample);
  }
  medians.sort();
  const tail = (1 - level) / 2;
  return {
    level,
    low: medians[Math.floor(tail * (RESAMPLES - 1))],
    high: medians[Math.ceil((1 - tail) * (RESAMPLES - 1))],
  };
}

/**
 * What a median says about an upper limit, given its interval: `met` or
 * `missed` when the whole interval is on one side, `within noise` (met or
 * missed on the median only) when the interval straddles the limit, and the
 * bare median's side when there is no interval (under 3 rounds).
 */
export function verdict(s, limit) {
  if (s === undefined) return undefined;
  const onMedian = s.median <= limit;
  if (s.interval === undefined) return onMedian ? 'met' : 'missed';
  if (s.interval.high <= limit) return 'met';
  if (s.interval.low > limit) return 'missed';
  return onMedian ? 'met within noise' : 'missed within noise';
}

/** Coefficient of variation: standard deviation over mean. */
export function variation(values) {
  if (values.length < 2) return 0;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / mean;
}

/** Rounds in which every listed variant produced a result. */
export function completeRounds(rounds, variants) {
  return rounds.filter((round) => variants.every((v) => round.runs[v]?.error === undefined));
}

/** `key` of `variant` against `base` in each round: a ratio or a difference. */
export function pairwise(rounds, key, variant, compare, base = 'bare') {
  return rounds.map((round) => {
    const value = round.runs[variant][key];
    const reference = round.runs[base][key];
    return compare === 'ratio' ? value / reference : value - reference;
  });
}

/** `key` of one variant, round by round. */
export function values(rounds, key, variant) {
  return rounds.map((round) => round.runs[variant][key]);
}
