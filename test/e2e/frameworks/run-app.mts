// Runs one framework app in a child process, bare or zero-code instrumented,
// with its clients going through a relay that counts the wire; returns the
// app's own account, the relay's counts and (instrumented) a scrape.
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.mts';
import { Relay, type RelayCounts } from './relay.mts';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface AppRun<App = unknown> {
  /** What the app's own listeners saw. */
  app: App;
  relay: RelayCounts;
  /** The Prometheus scrape after everything closed; empty for a bare run. */
  samples: Sample[];
  stderr: string;
}

export async function runApp<App>(
  file: string,
  options: { instrumented: boolean; clients?: number; timeoutMs?: number },
): Promise<AppRun<App>> {
  const serverPort = await freePort();
  const relay = new Relay(serverPort);
  const relayPort = await relay.listen();
  const metricsPort = await freePort();
  const args = options.instrumented ? ['--require', '@ws-otel/instrumentation-ws/register'] : [];
  const child = spawn(process.execPath, [...args, `apps/${file}`], {
    cwd: HERE,
    env: {
      ...process.env,
      APP_SERVER_PORT: String(serverPort),
      APP_RELAY_PORT: String(relayPort),
      APP_CLIENTS: String(options.clients ?? 6),
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      OTEL_SERVICE_NAME: `frameworks-${file}`,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90000);
  try {
    const done = await Promise.race([
      waitFor(() => stdout.split('\n').find((line) => line.startsWith('{"done":true'))),
      exited.then((code) => {
        throw new Error(`${file} exited (${code}) before it was done:\n${stderr}\n${stdout}`);
      }),
    ]);
    // Every TCP connection through the relay has ended: nothing more can be counted.
    await waitFor(() => relay.counts.open === 0 || undefined);
    const samples = options.instrumented
      ? parsePrometheus(await fetchText(`http://127.0.0.1:${metricsPort}/metrics`))
      : [];
    child.stdin.end();
    const code = await exited;
    if (code !== 0) throw new Error(`${file} exited with ${code}:\n${stderr}`);
    return { app: (JSON.parse(done) as { app: App }).app, relay: relay.counts, samples, stderr };
  } finally {
    clearTimeout(timer);
    child.kill();
    await relay.close();
  }
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The Prometheus text format, one sample a line. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) labels[name!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}
