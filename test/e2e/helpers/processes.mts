import { type ChildProcess, spawn } from 'node:child_process';

const KEEP_OUTPUT = 64 * 1024;

export interface Running {
  child: ChildProcess;
  /** The last 64 KiB of stdout and stderr, interleaved. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (SIGTERM) and waits; SIGKILL after `graceMs`. */
  stop(
    signal?: NodeJS.Signals,
    graceMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running process; the test decides when it ends. */
export function startProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; stdin?: boolean } = {},
): Running {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-KEEP_OUTPUT);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  child.on('error', (error) => keep(`\n[spawn error] ${error.message}\n`));
  return {
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 10000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const result = await exited;
        clearTimeout(timer);
        return result;
      }
      return exited;
    },
  };
}

export interface NodeApp extends Running {
  /** Resolves with the first JSON line on stdout for which `match` is true. */
  line<T = Record<string, unknown>>(match: (line: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Writes one line to the app's stdin. */
  send(text: string): void;
}

/** Starts a Node app (with the test's own Node) that talks in JSON lines. */
export function startNodeApp(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
): NodeApp {
  const running = startProcess(process.execPath, args, { ...options, stdin: true });
  const lines: unknown[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  running.child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const text = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (text.startsWith('{')) {
        try {
          lines.push(JSON.parse(text));
        } catch {}
      }
      newline = pending.indexOf('\n');
    }
    for (const wake of waiters) wake();
  });
  return {
    ...running,
    line<T>(match: (line: T) => boolean, timeoutMs = 30000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const found = (lines as T[]).find(match);
          if (found === undefined) return false;
          finish();
          resolve(found);
          return true;
        };
        const fail = (why: string) => {
          finish();
          reject(new Error(`${why}; the app printed:\n${running.output()}`));
        };
        const timer = setTimeout(() => fail(`no matching line within ${timeoutMs} ms`), timeoutMs);
        const onExit = () => setImmediate(() => check() || fail('the app exited'));
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          running.child.off('close', onExit);
        };
        const wake = () => {
          check();
        };
        if (check()) return;
        waiters.add(wake);
        running.child.on('close', onExit);
      });
    },
    send(text: string) {
      running.child.stdin!.write(`${text}\n`);
    },
  };
}
