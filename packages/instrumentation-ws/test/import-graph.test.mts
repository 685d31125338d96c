// The layout's promise: src reads like the data flow, with no import circle
// (type-only imports count) and leaf modules that import nothing of ours above them.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findCycles, importGraph } from './helpers/import-graph.mts';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

describe('import graph of src', () => {
  const graph = importGraph(SRC);

  it('has no circle', () => {
    assert.ok(graph.size > 20, `read ${graph.size} files`);
    assert.deepEqual(findCycles(graph), []);
  });

  it('keeps the leaf modules leaves', () => {
    assert.deepEqual(graph.get('internal-types.ts'), []);
    assert.deepEqual(graph.get('semconv.ts'), []);
    assert.deepEqual(graph.get('connections/registry.ts'), ['internal-types.ts']);
    assert.deepEqual(graph.get('connections/outcomes.ts')?.sort(), [
      'internal-types.ts',
      'semconv.ts',
    ]);
  });

  it('lets nothing but the hooks and the instrumentation import the hook context', () => {
    const importers = [...graph].filter(([, edges]) => edges.includes('patch/hook-context.ts'));
    for (const [file] of importers) assert.match(file, /^(patch\/|instrumentation\.ts$)/);
  });

  it('finds a circle when there is one, type-only imports included', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'import-graph-'));
    try {
      mkdirSync(path.join(dir, 'sub'));
      writeFileSync(path.join(dir, 'a.ts'), "import { b } from './sub/b.js';\n");
      writeFileSync(path.join(dir, 'sub', 'b.ts'), "import type { C } from '../c.js';\n");
      writeFileSync(path.join(dir, 'c.ts'), "export type C = import('./a.js').A;\n");
      assert.deepEqual(findCycles(importGraph(dir)), [['a.ts', 'sub/b.ts', 'c.ts', 'a.ts']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
