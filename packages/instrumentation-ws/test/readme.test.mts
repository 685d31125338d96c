import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { configFromEnv } from '@ws-otel/instrumentation-ws';
import { runFixture } from './helpers/child.mts';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const SOURCE_INSTRUMENT: Record<string, string> = {
  COUNTER: 'Counter',
  HISTOGRAM: 'Histogram',
  UP_DOWN_COUNTER: 'UpDownCounter',
  OBSERVABLE_COUNTER: 'ObservableCounter',
  OBSERVABLE_GAUGE: 'ObservableGauge',
  OBSERVABLE_UP_DOWN_COUNTER: 'ObservableUpDownCounter',
};

/** The rows of the markdown table between `<!-- name:start -->` and `<!-- name:end -->`. */
function tableRows(name: string): string[][] {
  const start = README.indexOf(`<!-- ${name}:start -->`);
  const end = README.indexOf(`<!-- ${name}:end -->`);
  assert.ok(start >= 0 && end > start, `README has no ${name} markers`);
  return README.slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe('README', () => {
  it('lists exactly the metrics the code emits, with their instrument, unit and attributes', async () => {
    const emitted = await runFixture<
      Array<{
        name: string;
        instrument: string;
        unit: string;
        description: string;
        attributeKeys: string[];
      }>
    >(['catalogue.cjs']);
    const documented = new Map(
      tableRows('metrics-table').map(([name, instrument, unit, attributes]) => [
        codeSpans(name!)[0]!,
        { instrument: instrument!, unit: codeSpans(unit!)[0]!, attributes: codeSpans(attributes!) },
      ]),
    );
    assert.deepEqual(
      [...documented.keys()].sort(),
      emitted.map((m) => m.name).sort(),
      'the README table and the emitted metrics differ',
    );
    for (const metric of emitted) {
      const row = documented.get(metric.name)!;
      assert.equal(row.instrument, SOURCE_INSTRUMENT[metric.instrument], metric.name);
      assert.equal(row.unit, metric.unit, metric.name);
      assert.ok(metric.description.length > 10, `${metric.name} has no description`);
      for (const key of metric.attributeKeys) {
        assert.ok(row.attributes.includes(key), `${metric.name}: ${key} is not documented`);
      }
    }
  });

  it('documents every OTEL_WS_* variable the code reads, with its option and default', () => {
    // Options of WsInstrumentation; the register-only rows are tested in zero-code.test.
    const rows = tableRows('config-table').filter(
      ([variable, option]) => variable!.startsWith('`OTEL_WS_') && codeSpans(option!).length > 0,
    );
    const defaults = configFromEnv({});
    const at = (config: object, path: string) =>
      path
        .split('.')
        .reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], config);
    const leaves = (config: object, prefix = ''): string[] =>
      Object.entries(config).flatMap(([key, value]) =>
        typeof value === 'object' && value !== null
          ? leaves(value, `${prefix}${key}.`)
          : [`${prefix}${key}`],
      );
    const documented = rows.map(([, option]) => codeSpans(option!)[0]!);
    assert.deepEqual(documented.sort(), leaves(defaults).sort(), 'options read from env vs README');
    for (const [variable, option, fallback] of rows) {
      const name = codeSpans(variable!)[0]!;
      const path = codeSpans(option!)[0]!;
      const value = at(defaults, path);
      assert.equal(codeSpans(fallback!)[0], String(value), `${name}: documented default`);
      // Setting the variable must change exactly that option.
      const other =
        typeof value === 'boolean'
          ? String(!value)
          : typeof value === 'number'
            ? String(value + 1)
            : 'off';
      assert.equal(String(at(configFromEnv({ [name]: other }), path)), other, `${name} -> ${path}`);
    }
  });

  it('documents every OTEL_WS_* variable only register reads, and register reads each', () => {
    const documented = tableRows('config-table')
      .filter(
        ([variable, option]) => variable!.startsWith('`OTEL_WS_') && option === '(register only)',
      )
      .map(([variable]) => codeSpans(variable!)[0]!);
    const zeroCode = new URL('../src/zero-code/', import.meta.url);
    const source = readdirSync(zeroCode)
      .filter((file) => file.endsWith('.ts') && file !== 'config-from-env.ts')
      .map((file) => readFileSync(new URL(file, zeroCode), 'utf8'))
      .join('\n');
    const read = [...new Set([...source.matchAll(/OTEL_WS_[A-Z_]+/g)].map((m) => m[0]))];
    assert.deepEqual(documented.sort(), read.sort());
  });
});
