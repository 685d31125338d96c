import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const HINT =
  'run `bash test/e2e/backends/provide-backends.sh` from the repository root, or set PROMTOOL_BIN';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * promtool from PROMTOOL_BIN, else from the cache the provisioning script fills
 * (same folder rule as test/e2e/backends/provide-backends.sh). Without it the
 * tests skip with `skip`, except under CI=true, where that is an error.
 */
export function findPromtool(): { promtool?: string; skip?: string } {
  const env = process.env;
  const cache =
    env.WS_OTEL_BACKENDS_DIR ??
    join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ws-otel', 'backends');
  const candidate = env.PROMTOOL_BIN || join(cache, 'root', 'usr', 'bin', 'promtool');
  if (executable(candidate)) return { promtool: candidate };
  const reason = `promtool not found at ${candidate}: ${HINT}`;
  if (env.CI === 'true') throw new Error(`${reason} (.ci/run provides it)`);
  return { skip: reason };
}

export function runPromtool(promtool: string, args: string[], cwd: string) {
  const result = spawnSync(promtool, args, { cwd, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
