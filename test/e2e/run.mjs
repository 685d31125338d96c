// Runs the end-to-end suite: every e2e/*.test.mts, one file at a time (the
// framework suite in frameworks/ is a package of its own, with its own test script).
// Without the real backends, the tests that need them skip, after one line
// saying how to get them; under CI=true that is a failure instead. Tests that
// need no backend (a browser, say) run either way.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = process.env;
const cache =
  env.WS_OTEL_BACKENDS_DIR ||
  join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ws-otel', 'backends');
const wanted = {
  VICTORIA_METRICS_BIN: env.VICTORIA_METRICS_BIN || join(cache, 'root/usr/bin/victoria-metrics'),
  PROMETHEUS_BIN: env.PROMETHEUS_BIN || join(cache, 'root/usr/bin/prometheus'),
  PROMTOOL_BIN: env.PROMTOOL_BIN || join(cache, 'root/usr/bin/promtool'),
};
const missing = Object.entries(wanted).filter(([, path]) => {
  try {
    accessSync(path, constants.X_OK);
    return false;
  } catch {
    return true;
  }
});

if (missing.length > 0) {
  const line =
    `e2e: no ${missing.map(([name]) => name.replace(/_BIN$/, '').toLowerCase()).join(', ')} ` +
    'binaries: run `bash test/e2e/backends/provide-backends.sh`, or set VICTORIA_METRICS_BIN, ' +
    'PROMETHEUS_BIN and PROMTOOL_BIN';
  if (env.CI === 'true') {
    console.error(`${line} (CI=true: failing; .ci/run provides them)`);
    process.exit(1);
  }
  console.log(`${line}; the tests that need them are skipped`);
  env.WS_OTEL_E2E_BACKENDS = 'missing';
}

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', ...process.argv.slice(2), '*.test.mts'],
  { cwd: here, stdio: 'inherit', env: missing.length > 0 ? env : { ...env, ...wanted } },
);
process.exit(result.status ?? 1);
