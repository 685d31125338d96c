// Just enough of the Prometheus text format to read our own /metrics:
// `name{label="value",...} value` lines, comments skipped.

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of an exposition, as `{ name, labels, value }`. */
function parsePrometheusText(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const labels = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key] = value.replace(/\\(.)/g, (_, char) => (char === 'n' ? '\n' : char));
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Fetches and parses a /metrics endpoint. */
async function scrape(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return parsePrometheusText(await response.text());
}

function hasLabels(sample, wanted) {
  return Object.entries(wanted).every(([key, value]) => sample.labels[key] === value);
}

/**
 * Sum of the samples named `name` whose labels include `wanted`; a label
 * wanted as undefined must be absent.
 */
function sumSamples(samples, name, wanted = {}) {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name === name && hasLabels(sample, wanted)) sum += sample.value;
  }
  return sum;
}

/** Sums of the samples named `name`, by the value of one label. */
function sumByLabel(samples, name, label) {
  const sums = new Map();
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = sample.labels[label];
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

module.exports = { parsePrometheusText, scrape, sumSamples, sumByLabel };
