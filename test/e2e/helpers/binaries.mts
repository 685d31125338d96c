import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Binaries {
  victoriaMetrics: string;
  prometheus: string;
  promtool: string;
}

export const HOW_TO_GET_THEM =
  'run `bash test/e2e/backends/provide-backends.sh` (Debian-based systems) or set ' +
  'VICTORIA_METRICS_BIN, PROMETHEUS_BIN and PROMTOOL_BIN';

/** The folder provide-backends.sh fills; the same rule as in that script. */
export function backendsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.WS_OTEL_BACKENDS_DIR ||
    join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ws-otel', 'backends')
  );
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The three binaries, from the environment or the cache; `missing` names what is not there. */
export function locateBinaries(env: NodeJS.ProcessEnv = process.env): {
  binaries?: Binaries;
  missing: string[];
} {
  const bin = join(backendsCacheDir(env), 'root', 'usr', 'bin');
  const candidates = {
    victoriaMetrics: env.VICTORIA_METRICS_BIN || join(bin, 'victoria-metrics'),
    prometheus: env.PROMETHEUS_BIN || join(bin, 'prometheus'),
    promtool: env.PROMTOOL_BIN || join(bin, 'promtool'),
  };
  const missing = Object.values(candidates).filter((path) => !executable(path));
  return missing.length === 0 ? { binaries: candidates, missing } : { missing };
}

/**
 * For a test file: the binaries, or a one-line reason to skip. Under CI=true a
 * missing binary is an error, never a skip.
 */
export function binariesOrSkip(): { binaries?: Binaries; skip?: string } {
  const { binaries, missing } = locateBinaries();
  if (binaries) return { binaries };
  const reason = `real backends not found (${missing.join(', ')}): ${HOW_TO_GET_THEM}`;
  if (process.env.CI === 'true') throw new Error(`${reason}; .ci/run provides them`);
  // run.mjs already said how to get them, once.
  if (process.env.WS_OTEL_E2E_BACKENDS === 'missing')
    return { skip: 'no real backends (see above)' };
  return { skip: reason };
}
