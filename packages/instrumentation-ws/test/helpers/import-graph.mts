// The import graph of a source folder, read from the code's own import and
// export statements (type-only imports and `import('...')` types included),
// and the circles in it. Only relative specifiers are edges: packages are
// outside the house.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.m?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Maps each file (relative to `root`) to the files it imports. */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const edges: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      // Sources import their siblings by the emitted name: ./x.js is x.ts, ./x.mjs is x.mts.
      const target = path.resolve(path.dirname(file), match[1]!).replace(/\.(m?)js$/, '.$1ts');
      edges.push(path.relative(root, target));
    }
    graph.set(path.relative(root, file), edges);
  }
  return graph;
}

/** Every circle in `graph`, each as the files in order with the first repeated at the end. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
