// The mixin's dashboard as the tests use it: its queries, its variables, and
// Grafana's interpolation of both.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Backend, Series } from './helpers/backends.mts';

const require = createRequire(import.meta.url);

interface DashboardJson {
  panels: Array<{ type: string; title: string; targets?: Array<{ refId: string; expr: string }> }>;
  templating: {
    list: Array<{ name: string; type: string; query?: string; regex?: string }>;
  };
}

export const dashboardFile = require.resolve(
  '@ws-otel/monitoring-mixin/dashboards/websocket-server.json',
);
const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as DashboardJson;

export const ruleFiles = [require.resolve('@ws-otel/monitoring-mixin/rules/websocket-alerts.yaml')];

export interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
}

export const panelQueries: PanelQuery[] = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({
    panel: panel.title,
    refId: target.refId,
    expr: target.expr,
  })),
);

export interface Variables {
  service: string;
  instance: string;
  rateInterval: string;
}

/** Grafana's escaping of a single chosen value inside a PromQL regex string. */
export function regexValue(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

/** The query Grafana sends, with the variables in place. */
export function interpolate(expr: string, vars: Variables): string {
  return expr
    .replaceAll('$__rate_interval', vars.rateInterval)
    .replaceAll(`\${service}`, vars.service)
    .replaceAll(`\${instance}`, vars.instance);
}

/**
 * The values a `query_result(...)` variable offers: Grafana prints each series
 * as `{label="value", ...} value timestamp` and keeps the regex's first capture.
 */
export async function variableValues(
  backend: Backend,
  name: 'service' | 'instance',
  vars: Variables,
): Promise<string[]> {
  const variable = dashboard.templating.list.find((v) => v.name === name)!;
  const inner = /^query_result\((.*)\)$/.exec(variable.query!)![1]!;
  const pattern = /^\/(.*)\/$/.exec(variable.regex!)![1]!;
  const series: Series[] = await backend.query(interpolate(inner, vars));
  const values = new Set<string>();
  for (const { metric, values: points } of series) {
    const labels = Object.entries(metric)
      .map(([key, value]) => `${key}="${value}"`)
      .join(',');
    const text = `{${labels}} ${points[0]![1]} ${points[0]![0] * 1000}`;
    const match = new RegExp(pattern).exec(text);
    if (match) values.add(match[1]!);
  }
  return [...values].sort();
}

/** What a query returned over the range: series count and whether any point is a positive number. */
export async function runPanelQuery(
  backend: Backend,
  expr: string,
  range: { start: number; end: number; step: number },
): Promise<{ series: number; positive: boolean }> {
  const result = await backend.queryRange(expr, range.start, range.end, range.step);
  const positive = result.some(({ values }) => values.some(([, v]) => Number.isFinite(v) && v > 0));
  return { series: result.length, positive };
}
