// The reporter against the real server side: a ws server instrumented by
// @ws-otel/instrumentation-ws with client reports on. Every frame the client
// sends is kept, so what the server recorded can be checked to the sample.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { it } from 'node:test';
import {
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { WsInstrumentation } from '@ws-otel/instrumentation-ws';
import { createHealthReporter, type HealthReport, isReporterFrame } from '../dist/index.js';
import { until } from './helpers/probe-server.mts';

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const REPORT_PREFIX = '\u001ewsotel/1 report ';

it('an instrumented server accepts every report and records exactly what they carry', async () => {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const instrumentation = new WsInstrumentation({
    clientReports: { enabled: true },
    heartbeat: { mode: 'off' },
  });
  instrumentation.setMeterProvider(provider);
  // Loaded after the instrumentation, so the copy it patches is this one.
  const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof import('ws');

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  const appSaw: string[] = [];
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      appSaw.push(String(data));
      socket.send(`echo ${data}`);
    });
  });

  const sentReports: HealthReport[] = [];
  const clientAppSaw: unknown[] = [];
  const open = () => {
    const socket = new WebSocket(url);
    const send = socket.send.bind(socket);
    socket.send = (data) => {
      if (typeof data === 'string' && data.startsWith(REPORT_PREFIX)) {
        sentReports.push(JSON.parse(data.slice(REPORT_PREFIX.length)));
      }
      send(data);
    };
    socket.addEventListener('message', (event) => {
      if (!isReporterFrame(event.data)) clientAppSaw.push(event.data);
    });
    return socket;
  };

  let socket = open();
  const reporter = createHealthReporter(socket, {
    intervalMs: 1100,
    probeIntervalMs: 200,
    probeTimeoutMs: 1000,
  });
  try {
    await until('the socket to open', () => reporter.snapshot().state === 'open');
    socket.send('app hello');
    await until('a report', () => reporter.snapshot().reportsSent >= 1, 5000);
    // The server ends the connection with an application code; the app reconnects.
    for (const client of wss.clients) client.close(4000, 'move along');
    await until('the close', () => reporter.snapshot().state === 'closed');
    socket = open();
    reporter.attach(socket);
    await until(
      'a report on the new socket',
      () => sentReports.some((r) => r.reconnects === 1),
      5000,
    );

    const totals = { samples: 0, reconnects: 0, closedAbnormally: 0 };
    for (const report of sentReports) {
      totals.samples += report.rttMs.length;
      totals.reconnects += report.reconnects;
      totals.closedAbnormally += report.errors.closed_abnormally ?? 0;
    }
    assert.equal(totals.reconnects, 1);
    assert.equal(totals.closedAbnormally, 1);
    assert.ok(totals.samples > 0);

    // The last report left the client a moment ago: collect once the server has
    // seen as many reports as were sent (or give up and let the checks say what is missing).
    let metrics = new Map<string, unknown>();
    const sum = (name: string, attributes: Record<string, string> = {}) => {
      const metric = metrics.get(name) as SumMetricData | undefined;
      return (metric?.dataPoints ?? [])
        .filter((point) =>
          Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
        )
        .reduce((total, point) => total + point.value, 0);
    };
    const seen = () =>
      sum('websocket.server.reports', { 'websocket.report.outcome': 'accepted' }) +
      sum('websocket.server.reports', { 'websocket.report.outcome': 'rejected' });
    for (const deadline = Date.now() + 5000; ; ) {
      const { resourceMetrics, errors } = await reader.collect();
      assert.deepEqual(errors, []);
      metrics = new Map(
        resourceMetrics.scopeMetrics
          .flatMap((scope) => scope.metrics)
          .map((m) => [m.descriptor.name, m]),
      );
      if (seen() >= sentReports.length || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rtt = metrics.get('websocket.server.reported.rtt') as HistogramMetricData;
    assert.equal(rtt.dataPointType, DataPointType.HISTOGRAM);
    const { count, sum: seconds } = rtt.dataPoints[0]!.value;
    assert.equal(count, totals.samples);
    const sentMs = sentReports.flatMap((report) => report.rttMs).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs((seconds ?? Number.NaN) - sentMs / 1000) < 1e-6, `${seconds} s`);
    assert.equal(
      sum('websocket.server.reports', { 'websocket.report.outcome': 'accepted' }),
      sentReports.length,
    );
    assert.equal(sum('websocket.server.reports', { 'websocket.report.outcome': 'rejected' }), 0);
    assert.equal(sum('websocket.server.reported.reconnects'), 1);
    assert.equal(sum('websocket.server.reported.errors', { 'error.type': 'closed_abnormally' }), 1);
    assert.equal(sum('websocket.server.reported.errors'), 1);

    // Neither app saw the other side's reporter frames.
    assert.deepEqual(appSaw, ['app hello']);
    assert.deepEqual(clientAppSaw, ['echo app hello']);
  } finally {
    reporter.stop();
    socket.close();
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
    instrumentation.disable();
    await provider.shutdown();
  }
});
