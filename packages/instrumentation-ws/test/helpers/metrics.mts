import assert from 'node:assert/strict';

export type Attributes = Record<string, string | number | boolean>;

export interface Point {
  attributes: Attributes;
  value?: number;
  count?: number;
  sum?: number;
  boundaries?: number[];
}

export interface CollectedMetric {
  scope: string;
  unit: string;
  description: string;
  instrument: string;
  dataPointType: string;
  isMonotonic?: boolean;
  points: Point[];
}

export type Collected = Record<string, CollectedMetric>;

function sameAttributes(a: Attributes, b: Attributes): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** The point of `name` whose attributes are exactly `attributes`; fails when absent. */
export function point(metrics: Collected, name: string, attributes: Attributes = {}): Point {
  const metric = metrics[name];
  assert.ok(metric, `metric ${name} was not collected`);
  const found = metric.points.find((p) => sameAttributes(p.attributes, attributes));
  assert.ok(
    found,
    `${name} has no point with ${JSON.stringify(attributes)}; it has ${JSON.stringify(metric.points.map((p) => p.attributes))}`,
  );
  return found;
}

/** A counter or gauge value at exactly these attributes. */
export function metricValue(metrics: Collected, name: string, attributes: Attributes = {}): number {
  return point(metrics, name, attributes).value!;
}

/** A histogram's count at exactly these attributes. */
export function countOf(metrics: Collected, name: string, attributes: Attributes = {}): number {
  return point(metrics, name, attributes).count!;
}

/** Every histogram point of `name` as `attributes-json -> count`, for whole-set comparisons. */
export function histogramCounts(metrics: Collected, name: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of metrics[name]?.points ?? []) {
    const key = JSON.stringify(Object.fromEntries(Object.entries(p.attributes).sort()));
    counts[key] = p.count!;
  }
  return counts;
}

/** Builds the key `histogramCounts` uses for one attribute set. */
export function key(attributes: Attributes): string {
  return JSON.stringify(Object.fromEntries(Object.entries(attributes).sort()));
}
