// A user's app in a temporary folder: the newest @opentelemetry/sdk-node and
// @opentelemetry/auto-instrumentations-node installed with npm, then this
// workspace's packed tarballs next to them, as `npm install <tarball>` does.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKSPACE = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** What a user's stack would be: the newest of each, as npm picks it. */
export const STACK = [
  '@opentelemetry/sdk-node@latest',
  '@opentelemetry/auto-instrumentations-node@latest',
  'ws@^8',
];
const OURS = ['@ws-otel/report-protocol', '@ws-otel/instrumentation-ws'];

/** Every installed copy of an @opentelemetry/* package: folder -> name@version. */
export type Copies = Map<string, string>;

export interface App {
  dir: string;
  /** The copies after installing the stack alone, and after adding ours. */
  before: Copies;
  after: Copies;
}

const NPM_CLI = realpathSync(
  execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim(),
);
const NODE_FIRST = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
};

/** Runs npm with this Node (the workspace's 24, not the system's), so npm picks versions for it. */
function npm(args: string[], cwd: string): void {
  execFileSync(
    process.execPath,
    [NPM_CLI, ...args, '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: NODE_FIRST },
  );
}

/**
 * pnpm turns `workspace:^` into the real version range when it packs. The
 * pnpm running this suite is on PATH (CI's `npx pnpm` included); failing
 * that, npm fetches the workspace's own version.
 */
function pnpmPack(name: string, destination: string): string {
  const args = ['--filter', name, 'pack', '--pack-destination', destination];
  const stdio = ['ignore', 'ignore', 'inherit'] as const;
  try {
    execFileSync('pnpm', args, { cwd: WORKSPACE, stdio });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const { packageManager } = JSON.parse(readFileSync(join(WORKSPACE, 'package.json'), 'utf8'));
    execFileSync(process.execPath, [NPM_CLI, 'exec', '--yes', packageManager, '--', ...args], {
      cwd: WORKSPACE,
      stdio,
      env: NODE_FIRST,
    });
  }
  const base = name.replace('@', '').replace('/', '-');
  const file = readdirSync(destination).find((f) => f.startsWith(base) && f.endsWith('.tgz'));
  if (!file) throw new Error(`pnpm pack left no tarball for ${name} in ${destination}`);
  return join(destination, file);
}

function copies(dir: string): Copies {
  const found: Copies = new Map();
  const walk = (modules: string) => {
    let entries: string[];
    try {
      entries = readdirSync(modules);
    } catch {
      return;
    }
    for (const entry of entries) {
      const folders = entry.startsWith('@')
        ? readdirSync(join(modules, entry)).map((n) => join(modules, entry, n))
        : [join(modules, entry)];
      for (const folder of folders) {
        if (entry === '@opentelemetry') {
          const { name, version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
          found.set(folder.slice(dir.length), `${name}@${version}`);
        }
        walk(join(folder, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

/** Installs the stack, then our tarballs, into a new folder with the fixtures in it. */
export function installApp(): App {
  const dir = mkdtempSync(join(tmpdir(), 'ws-otel-sdk-compose-'));
  writeFileSync(join(dir, 'package.json'), '{ "name": "app", "private": true }\n');
  cpSync(FIXTURES, dir, { recursive: true });
  npm(['install', ...STACK], dir);
  const before = copies(dir);
  const tarballs = OURS.map((name) => pnpmPack(name, join(dir, 'tarballs')));
  npm(['install', ...tarballs], dir);
  return { dir, before, after: copies(dir) };
}
