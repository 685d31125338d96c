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

/** Median, min and max of the values, keeping the values for the JSON file. */
export function spread(values) {
  if (values.length === 0) return undefined;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
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
