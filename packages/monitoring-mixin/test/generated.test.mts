import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { alertRuleGroups, defaultConfig, resolveConfig } from '../src/index.mjs';
import { renderFiles } from '../src/render.mjs';

const PACKAGE = fileURLToPath(new URL('../', import.meta.url));

describe('generated files', () => {
  it('the committed dashboard and rule files are what the defaults generate', () => {
    for (const [path, text] of Object.entries(renderFiles())) {
      assert.equal(
        readFileSync(PACKAGE + path, 'utf8'),
        text,
        `${path} is stale: run \`pnpm --filter @ws-otel/monitoring-mixin run generate\``,
      );
    }
  });

  it('dashboards/ and rules/ hold nothing else (no file left from an older layout)', () => {
    const generated = Object.keys(renderFiles()).sort();
    const present = ['dashboards', 'rules']
      .flatMap((dir) =>
        readdirSync(PACKAGE + dir, { withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => `${dir}/${entry.name}`),
      )
      .sort();
    assert.deepEqual(present, generated);
  });

  it('thresholds and durations can be overridden one at a time', () => {
    const config = resolveConfig({
      thresholds: { capacityPerInstance: 50000 },
      for: { nearCapacity: '1m' },
    });
    assert.equal(
      config.thresholds.capacityWarningRatio,
      defaultConfig.thresholds.capacityWarningRatio,
    );
    const rules = alertRuleGroups({
      thresholds: { capacityPerInstance: 50000, errorsPerSecond: 0.3 },
      for: { nearCapacity: '1m' },
      severity: 'page',
    }).groups[0]!.rules;
    const capacity = rules.find((rule) => rule.alert === 'WebSocketConnectionsNearCapacity')!;
    assert.match(capacity.expr, /\) > 40000$/);
    assert.equal(capacity.for, '1m');
    assert.equal(capacity.labels.severity, 'page');
    assert.match(capacity.annotations.description, /80% of the 50000 connections/);
    const errors = rules.find((rule) => rule.alert === 'WebSocketErrorRate')!;
    assert.match(errors.expr, /\) > 0\.3$/);
  });

  it('every threshold and duration of the config is documented in the README', () => {
    const readme = readFileSync(`${PACKAGE}README.md`, 'utf8');
    for (const key of [
      ...Object.keys(defaultConfig.thresholds),
      ...Object.keys(defaultConfig.for),
    ]) {
      assert.match(readme, new RegExp(`\`${key}\``), `README does not document ${key}`);
    }
  });
});
