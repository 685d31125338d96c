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

/** `1.012 [0.981–1.040]`: median ratio and its range over rounds. */
export function ratio(spread, digits = 3) {
  if (spread === undefined) return 'n/a';
  return `${number(spread.median, digits)} [${number(spread.min, digits)}–${number(spread.max, digits)}]`;
}

/** `+96 B [+80 … +130]`: median difference and its range over rounds. */
export function delta(spread, unit, digits = 0) {
  if (spread === undefined) return 'n/a';
  return `${signed(spread.median, digits)} ${unit} [${signed(spread.min, digits)} … ${signed(spread.max, digits)}]`;
}

/** `12.34 µs [12.10–12.90]`: median absolute value and its range over rounds. */
export function absolute(spread, unit, digits = 2) {
  if (spread === undefined) return 'n/a';
  return `${number(spread.median, digits)} ${unit} [${number(spread.min, digits)}–${number(spread.max, digits)}]`;
}

export function percent(fraction, digits = 1) {
  return `${number(fraction * 100, digits)}%`;
}
