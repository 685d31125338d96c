#!/usr/bin/env node
// Writes the dashboard and the rule files.
//   node scripts/generate.mjs                         the committed files, from the defaults
//   node scripts/generate.mjs --config my.json --out DIR
//                                                     your thresholds, into DIR
// my.json holds any part of the config in src/config.mjs, for example
//   { "thresholds": { "capacityPerInstance": 50000 }, "for": { "noConnections": "30m" } }
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderFiles } from '../src/render.mjs';

const { values } = parseArgs({
  options: { config: { type: 'string' }, out: { type: 'string' } },
});
const overrides = values.config ? JSON.parse(readFileSync(values.config, 'utf8')) : undefined;
const outDir = values.out
  ? resolve(values.out)
  : join(dirname(fileURLToPath(import.meta.url)), '..');

for (const [path, text] of Object.entries(renderFiles(overrides))) {
  const target = join(outDir, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
