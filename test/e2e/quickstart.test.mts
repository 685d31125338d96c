// The quickstart's chat server (examples/quickstart), run zero-code exactly as
// the README says, with its simulated clients, scraped by a real Prometheus:
// the target is up, the WebSocket series arrive, promtool check metrics has
// nothing to say about its /metrics, and the dashboard's main panels have data.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { interpolate, panelQueries, runPanelQuery } from './dashboard.mts';
import { type Backend, startPrometheus } from './helpers/backends.mts';
import { binariesOrSkip } from './helpers/binaries.mts';
import { freePort } from './helpers/ports.mts';
import { type Running, startProcess } from './helpers/processes.mts';
import { waitFor } from './helpers/wait.mts';

const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));
const JOB = 'quickstart';
const { binaries, skip: noBinaries } = binariesOrSkip();
const skip =
  noBinaries ??
  (existsSync(`${QUICKSTART}server.js`) ? undefined : 'examples/quickstart/server.js is not there');

describe('the quickstart chat server scraped by a real Prometheus', { skip }, () => {
  let prometheus: Backend;
  let server: Running;
  let clients: Running;
  let metricsUrl: string;
  let startedAt: number;

  before(async () => {
    startedAt = Date.now() / 1000;
    const appPort = await freePort();
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    server = startProcess(
      process.execPath,
      ['--require', '@ws-otel/instrumentation-ws/register', 'server.js'],
      {
        cwd: QUICKSTART,
        env: {
          PORT: String(appPort),
          OTEL_METRICS_EXPORTER: 'prometheus',
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
          OTEL_SERVICE_NAME: 'chat',
        },
      },
    );
    await waitFor('the chat server to serve /metrics', async () =>
      (await fetch(metricsUrl)).ok ? true : undefined,
    );
    clients = startProcess(process.execPath, ['clients.js'], {
      cwd: QUICKSTART,
      env: { CHAT_URL: `ws://127.0.0.1:${appPort}/chat`, CLIENTS: '8' },
    });
    prometheus = await startPrometheus(binaries!, {
      targets: [{ job: JOB, target: `127.0.0.1:${metricsPort}` }],
    });
  });

  after(async () => {
    await clients?.stop();
    await server?.stop();
    await prometheus?.stop();
  });

  it('Prometheus scrapes it: the target is up and the connections show', async () => {
    await waitFor('open connections in Prometheus', async () => {
      const value = await prometheus.value(
        `sum(websocket_server_active_connections{job="${JOB}"})`,
      );
      return value !== undefined && value > 0 ? value : undefined;
    });
    assert.equal(await prometheus.value(`up{job="${JOB}"}`), 1);
    const handshakes = await prometheus.value(
      `sum(websocket_server_handshake_duration_count{job="${JOB}"})`,
    );
    assert.ok(handshakes! > 0);
  });

  it('promtool check metrics finds nothing to complain about in its /metrics', async () => {
    const body = await (await fetch(metricsUrl)).text();
    assert.match(body, /websocket_server_connection_duration_bucket/);
    const check = spawnSync(binaries!.promtool, ['check', 'metrics'], {
      input: body,
      encoding: 'utf8',
    });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(check.stdout + check.stderr, '');
  });

  it('the dashboard shows its connections, handshakes, ends and traffic', async () => {
    // The clients end connections in every way within their first seconds;
    // a rate needs a second sample of the same series, so give it time.
    const vars = { service: JOB, instance: '.*', rateInterval: '30s' };
    const panels = [
      'Open connections by health',
      'Connection ends by close code',
      'Handshakes',
      'Messages',
      'Payload bytes',
    ];
    for (const query of panelQueries.filter((q) => panels.includes(q.panel) && q.refId === 'A')) {
      await waitFor(
        `"${query.panel}" to show data for the quickstart`,
        async () => {
          const range = {
            start: Math.floor(startedAt),
            end: Math.ceil(Date.now() / 1000),
            step: 1,
          };
          const result = await runPanelQuery(prometheus, interpolate(query.expr, vars), range);
          return result.positive ? true : undefined;
        },
        { timeoutMs: 30000 },
      );
    }
  });
});
