/** Number formatting for the table: short, fixed precision, ranges in brackets. */

export function number(value, digits = 2) {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function signed(value, digits) {
  return `${value >= 0 ? '+' : '−'}${number(Math.abs(value), digits)}`;
}

/** `, CI 0.995–1.030`: the median's bootstrap interval (stats.mjs), when there is one. */
function interval(spread, show) {
  const ci = spread.interval;
  return ci === undefined ? '' : `, CI ${show(ci.low)}–${show(ci.high)}`;
}

/** `1.012 [0.981–1.040], CI 0.995–1.030`: median ratio, its range over rounds, its interval. */
export function ratio(spread, digits = 3) {
  if (spread === undefined) return 'n/a';
  const show = (value) => number(value, digits);
  if (spread.min === spread.max) return show(spread.median);
  return `${show(spread.median)} [${show(spread.min)}–${show(spread.max)}]${interval(spread, show)}`;
}

/** `+96 B [+80 … +130], CI +85 … +120`: median difference, range and interval. */
export function delta(spread, unit, digits = 0) {
  if (spread === undefined) return 'n/a';
  const ci = spread.interval;
  if (spread.min === spread.max) return `${signed(spread.median, digits)} ${unit}`;
  const range = `[${signed(spread.min, digits)} … ${signed(spread.max, digits)}]`;
  const within =
    ci === undefined ? '' : `, CI ${signed(ci.low, digits)} … ${signed(ci.high, digits)}`;
  return `${signed(spread.median, digits)} ${unit} ${range}${within}`;
}

/** `12.34 µs [12.10–12.90]`: median absolute value and its range over rounds. */
export function absolute(spread, unit, digits = 2) {
  if (spread === undefined) return 'n/a';
  // One value (one round, or every round alike): no range to show.
  if (spread.min === spread.max) return `${number(spread.median, digits)} ${unit}`;
  return `${number(spread.median, digits)} ${unit} [${number(spread.min, digits)}–${number(spread.max, digits)}]`;
}

/** The absolute form with the median's interval too, for rows whose target is a limit. */
export function absoluteWithInterval(spread, unit, digits = 2) {
  if (spread === undefined) return 'n/a';
  return `${absolute(spread, unit, digits)}${interval(spread, (value) => number(value, digits))}`;
}

export function percent(fraction, digits = 1) {
  return `${number(fraction * 100, digits)}%`;
}
