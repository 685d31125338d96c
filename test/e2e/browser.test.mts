// examples/browser in a real Chromium: the page's client reporter talks to the
// example server, run zero-code with client reports on; what the page says it
// sent must be what the server's /metrics says it accepted, and a reconnect
// forced in the page must show up as exactly one reported reconnect.
import assert from 'node:assert/strict';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { freePort } from './helpers/ports.mts';
import { type Running, startProcess } from './helpers/processes.mts';
import { waitFor } from './helpers/wait.mts';

const EXAMPLE = fileURLToPath(new URL('../../examples/browser/', import.meta.url));
/** Debian's chromium package puts the browser here. */
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Fast enough for a test, and over the server's one-report-a-second limit. */
const REPORT_INTERVAL_MS = 1500;
const PROBE_INTERVAL_MS = 250;

interface PageStatus {
  state: string;
  lastRttMs: number | null;
  reconnects: number;
  errors: number;
  reportsSent: number;
  echoes: number;
}

function chromiumOrSkip(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    const line =
      `browser e2e: no Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` ` +
      '(as root), or set CHROMIUM_BIN';
    if (process.env.CI === 'true')
      throw new Error(`${line} (CI=true: failing; .ci/run installs it)`);
    return line;
  }
}

const skip = chromiumOrSkip();

/** Sums the samples of one metric in Prometheus text whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const own = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => own[key] === value)) {
      sum += Number(match[3]);
      found = true;
    }
  }
  return found ? sum : 0;
}

describe('examples/browser in Chromium, reporting to the instrumented server', { skip }, () => {
  let server: Running;
  let metricsUrl: string;
  let pageUrl: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;

  const status = () =>
    page.evaluate(() =>
      (window as unknown as { wsOtelExample: { status(): PageStatus } }).wsOtelExample.status(),
    );
  const metrics = async () => {
    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    return response.text();
  };

  before(async () => {
    const appPort = await freePort();
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    pageUrl = `http://127.0.0.1:${appPort}/?interval=${REPORT_INTERVAL_MS}&probe=${PROBE_INTERVAL_MS}`;
    server = startProcess(
      process.execPath,
      ['--require', '@ws-otel/instrumentation-ws/register', 'server.js'],
      {
        cwd: EXAMPLE,
        env: {
          PORT: String(appPort),
          OTEL_WS_CLIENT_REPORTS: 'true',
          OTEL_METRICS_EXPORTER: 'prometheus',
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
          OTEL_SERVICE_NAME: 'ws-otel-e2e-browser',
        },
      },
    );
    await waitFor(
      'the example server and its /metrics',
      async () => {
        if (server.child.exitCode !== null) {
          throw new Error(`the example server exited:\n${server.output()}`);
        }
        const [pageAnswer, metricsAnswer] = await Promise.all([fetch(pageUrl), fetch(metricsUrl)]);
        return pageAnswer.ok && metricsAnswer.ok ? true : undefined;
      },
      { timeoutMs: 15000 },
    );

    profile = await mkdtemp(join(tmpdir(), 'ws-otel-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(pageUrl);
    await waitFor('the page to be up', async () => {
      if (pageErrors.length > 0) throw new Error(`the page failed: ${pageErrors.join('; ')}`);
      return (await status().catch(() => undefined))?.state === 'open' ? true : undefined;
    });
  });

  after(async () => {
    await context?.close();
    await server?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('has every report the page sent accepted, with its round trips', async () => {
    await waitFor('two reports from the page', async () =>
      (await status()).reportsSent >= 2 ? true : undefined,
    );
    // A report may be in flight while we scrape: agree once the page's count
    // is the same before and after the scrape.
    const agreed = await waitFor('the server to have accepted what the page sent', async () => {
      const sentBefore = (await status()).reportsSent;
      const text = await metrics();
      const sentAfter = (await status()).reportsSent;
      const accepted = sample(text, 'websocket_server_reports_total', {
        websocket_report_outcome: 'accepted',
      });
      if (sentBefore !== sentAfter) return undefined;
      if (accepted !== sentAfter)
        throw new Error(`page sent ${sentAfter}, server accepted ${accepted}`);
      return { text, sent: sentAfter };
    });
    assert.ok(agreed.sent >= 2);
    assert.ok(sample(agreed.text, 'websocket_server_reported_rtt_count') > 0);
    assert.equal(
      sample(agreed.text, 'websocket_server_reports_total', {
        websocket_report_outcome: 'rejected',
      }),
      0,
    );
    assert.equal(sample(agreed.text, 'websocket_server_reported_reconnects_total'), 0);
    const seen = await status();
    assert.equal(seen.errors, 0);
    assert.ok(seen.lastRttMs !== null && seen.lastRttMs >= 0);
  });

  it("counts one reported reconnect after the page's button forces one", async () => {
    const start = await status();
    await page.click('#reconnect');
    await waitFor(
      'websocket_server_reported_reconnects_total to become 1',
      async () => {
        const reconnects = sample(await metrics(), 'websocket_server_reported_reconnects_total');
        if (reconnects > 1) throw new Error(`${reconnects} reconnects reported`);
        return reconnects === 1 ? true : undefined;
      },
      { timeoutMs: 15000 },
    );
    const end = await status();
    assert.equal(end.reconnects, 1);
    assert.equal(end.state, 'open');
    assert.ok(end.reportsSent > start.reportsSent);
    const text = await metrics();
    // The page closed the old socket itself, with the application code 4000.
    assert.equal(
      sample(text, 'websocket_server_connection_duration_count', {
        websocket_close_code: '4xxx',
        websocket_close_initiator: 'client',
      }),
      1,
    );
    assert.equal(
      sample(text, 'websocket_server_reports_total', { websocket_report_outcome: 'rejected' }),
      0,
    );
  });
});
