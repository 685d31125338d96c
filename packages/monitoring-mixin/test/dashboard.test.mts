import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertRuleGroups, dashboard, METRICS } from '../src/index.mjs';

interface Target {
  expr: string;
  refId: string;
  legendFormat: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
}

const board = dashboard() as {
  panels: Panel[];
  templating: { list: Array<Record<string, unknown>> };
} & Record<string, unknown>;
const DATASOURCE = { type: 'prometheus', uid: `\${datasource}` };
const queryPanels = board.panels.filter((panel) => panel.type !== 'row');
const allExprs = queryPanels.flatMap((panel) => panel.targets!.map((target) => target.expr));

/** The metric names an expression reads: `__name__` patterns as written, and plain names. */
function metricNames(expr: string): string[] {
  const patterns = [...expr.matchAll(/__name__=~"([^"]+)"/g)].map((match) => match[1]!);
  const rest = expr.replaceAll(/__name__=~"[^"]+"/g, '');
  const plain = [...rest.matchAll(/\bwebsocket_(?:server|client)_[a-z_]+/g)].map(
    (match) => match[0],
  );
  return [...patterns, ...plain];
}

describe('the dashboard JSON', () => {
  it('is a Grafana dashboard with a data source, service and instance variable', () => {
    assert.equal(typeof board.uid, 'string');
    assert.equal(board.schemaVersion, 39);
    const variables = board.templating.list;
    assert.deepEqual(
      variables.map((v) => [v.name, v.type]),
      [
        ['datasource', 'datasource'],
        ['service', 'query'],
        ['instance', 'query'],
      ],
    );
    assert.equal(variables[0]!.query, 'prometheus');
    for (const variable of variables.slice(1)) {
      assert.deepEqual(variable.datasource, DATASOURCE);
      assert.equal(variable.includeAll, true);
      assert.equal(variable.allValue, '.*');
    }
  });

  it('has unique panel ids, panels inside 24 columns that never overlap', () => {
    const ids = board.panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length);
    const taken = new Set<string>();
    for (const { gridPos, title } of board.panels) {
      assert.ok(gridPos.x >= 0 && gridPos.x + gridPos.w <= 24, `${title} is outside the grid`);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          assert.ok(!taken.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`);
          taken.add(`${x},${y}`);
        }
      }
    }
  });

  it('queries every panel through the data source variable, filtered by service and instance', () => {
    for (const panel of queryPanels) {
      assert.deepEqual(panel.datasource, DATASOURCE, panel.title);
      assert.ok(panel.targets!.length > 0, `${panel.title} has no query`);
      const refIds = panel.targets!.map((target) => target.refId);
      assert.equal(new Set(refIds).size, refIds.length, panel.title);
      for (const target of panel.targets!) {
        assert.deepEqual(target.datasource, DATASOURCE);
        for (const label of ['job', 'service_name']) {
          assert.ok(
            target.expr.includes(`${label}=~"(\${service})?"`),
            `${panel.title}: ${target.expr}`,
          );
        }
        for (const label of ['instance', 'service_instance_id']) {
          assert.ok(
            target.expr.includes(`${label}=~"(\${instance})?"`),
            `${panel.title}: ${target.expr}`,
          );
        }
      }
    }
  });

  it('uses only the metrics of METRICS, by their name on both paths', () => {
    const known = new Set<string>(Object.values(METRICS));
    for (const expr of allExprs) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, expr);
      for (const name of names) assert.ok(known.has(name), `${name} in ${expr}`);
    }
  });

  it('shows every metric of METRICS (the alert rules use the heartbeat round trip count)', () => {
    const used = new Set([
      ...allExprs.flatMap(metricNames),
      ...alertRuleGroups().groups.flatMap((group) =>
        group.rules.flatMap((rule) => metricNames(rule.expr)),
      ),
    ]);
    const shown = new Set(allExprs.flatMap(metricNames));
    for (const name of Object.values(METRICS)) assert.ok(used.has(name), `${name} is unused`);
    assert.deepEqual(
      Object.values(METRICS).filter((name) => !shown.has(name)),
      [METRICS.heartbeatRttCount],
    );
  });

  it('has the panels the issue asks for, with the quantiles it names', () => {
    const legends = (title: string) => {
      const panel = queryPanels.find((p) => p.title === title);
      assert.ok(panel, `no panel "${title}"`);
      return panel.targets!.map((target) => target.legendFormat);
    };
    assert.deepEqual(legends('Heartbeat round trip'), ['p50', 'p95', 'p99']);
    assert.deepEqual(legends('Heartbeat timeouts and terminations'), ['timeouts', 'terminations']);
    assert.deepEqual(legends('Open connections by health'), ['{{websocket_connection_health}}']);
    assert.deepEqual(legends('Broadcasts'), ['{{websocket_broadcast_outcome}}']);
    assert.deepEqual(legends('Broadcast recipients'), ['p50', 'p95']);
    assert.deepEqual(legends('Broadcast duration'), ['p95']);
    assert.equal(legends('Send queue').length, 1);
    assert.equal(legends('Backpressured connections').length, 1);
    assert.deepEqual(legends('Reported round trip'), ['p95']);
    assert.deepEqual(legends('Client reports'), ['{{websocket_report_outcome}}']);
    assert.deepEqual(legends('Reported reconnects and errors'), [
      'reconnects',
      'errors {{error_type}}',
    ]);
    for (const title of ['CPU', 'Memory', 'Event-loop delay p99']) {
      assert.equal(legends(title).length, 1, title);
    }
    assert.deepEqual(legends('Garbage collection'), ['{{v8js_gc_type}}']);
    const rows = board.panels.filter((panel) => panel.type === 'row').map((panel) => panel.title);
    assert.deepEqual(rows, [
      'Connections',
      'Heartbeat',
      'Handshakes',
      'Traffic',
      'Broadcasts and backpressure',
      'Errors',
      'Process',
      'Client reports (opt-in)',
    ]);
  });
});
