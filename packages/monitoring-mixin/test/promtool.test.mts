import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dashboard, toYaml } from '../src/index.mjs';
import { renderFiles } from '../src/render.mjs';
import { findPromtool, runPromtool } from './promtool.mts';

const PACKAGE = fileURLToPath(new URL('../', import.meta.url));
const RULE_FILE = 'rules/websocket-alerts.yaml';
const { promtool, skip } = findPromtool();

const board = dashboard() as {
  panels: Array<{ type: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ query?: unknown }> };
};
const dashboardExprs = board.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
const variables = board.templating.list.slice(1);

/** What Grafana puts in place of the dashboard's variables, for a parse check. */
function asGrafanaWould(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll(`\${service}`, '.*')
    .replaceAll(`\${instance}`, '.*');
}

describe('promtool on the rules and the dashboard', { skip }, () => {
  it('promtool check rules accepts the rule file', () => {
    const { code, output } = runPromtool(promtool!, ['check', 'rules', RULE_FILE], PACKAGE);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS: 7 rules found/);
  });

  it('promtool test rules: every alert fires and stays quiet when it should, on both naming paths', () => {
    const { code, output } = runPromtool(
      promtool!,
      ['test', 'rules', 'rules/tests/websocket-alerts.test.yaml'],
      PACKAGE,
    );
    assert.equal(code, 0, output);
    assert.equal(output.match(/SUCCESS/g)?.length, 1, output);
  });

  it('rules generated with other thresholds pass promtool check rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-otel-rules-'));
    try {
      const files = renderFiles({
        thresholds: { capacityPerInstance: 2500, heartbeatRttP95Seconds: 0.2 },
        rateWindow: '10m',
        serviceLabels: ['job', 'service_namespace', 'service_name'],
      });
      writeFileSync(join(dir, 'rules.yaml'), files[RULE_FILE]!);
      const { code, output } = runPromtool(promtool!, ['check', 'rules', 'rules.yaml'], dir);
      assert.equal(code, 0, output);
      assert.match(files[RULE_FILE]!, /\) > 2000/);
      assert.match(files[RULE_FILE]!, /\) > 0\.2$/m);
      assert.match(files[RULE_FILE]!, /\[10m\]/);
      assert.doesNotMatch(files[RULE_FILE]!, /\[5m\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every dashboard query parses as PromQL (as recording rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-otel-dashboard-'));
    try {
      const rules = dashboardExprs.map((expr, i) => ({
        record: `dashboard:query_${i}`,
        expr: asGrafanaWould(expr),
      }));
      const variableQueries = variables.map((v, i) => ({
        record: `dashboard:variable_${i}`,
        expr: asGrafanaWould(String(v.query).replace(/^query_result\((.*)\)$/, '$1')),
      }));
      writeFileSync(
        join(dir, 'queries.yaml'),
        toYaml({ groups: [{ name: 'dashboard', rules: [...rules, ...variableQueries] }] }),
      );
      const { code, output } = runPromtool(promtool!, ['check', 'rules', 'queries.yaml'], dir);
      assert.equal(code, 0, output);
      assert.match(
        output,
        new RegExp(`SUCCESS: ${rules.length + variableQueries.length} rules found`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
