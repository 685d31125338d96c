import { spawn } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a Node process to its end and returns what it printed. */
export function runNode(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number; cwd?: string } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? FIXTURES,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a fixture that ends by printing one JSON line; fails on a non-zero exit. */
export async function runFixture<T = unknown>(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<T> {
  const result = await runNode(args, options);
  if (result.code !== 0) {
    throw new Error(
      `fixture ${args.join(' ')} exited with ${result.code ?? result.signal}\n${result.stderr}\n${result.stdout}`,
    );
  }
  const lines = result.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

export interface RunningNode {
  child: ReturnType<typeof spawn>;
  /** Resolves when the process printed a line containing `"ready":true`. */
  ready: Promise<void>;
  exited: Promise<ChildResult>;
  output(): { stdout: string; stderr: string };
}

// Processes from startNode still running. A test that fails before it ends
// its app must not leave it running: the test file would wait for it forever.
const running = new Set<ReturnType<typeof spawn>>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a Node process that keeps running; the test decides when it ends. */
export function startNode(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): RunningNode {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? FIXTURES,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let markReady: () => void;
  let failReady: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('"ready":true')) markReady();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ChildResult>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      failReady(new Error(`exited (${code ?? signal}) before ready:\n${stderr}\n${stdout}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}
